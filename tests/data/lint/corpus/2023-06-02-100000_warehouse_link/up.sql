-- expect: LNT030
CREATE USER MAPPING FOR app SERVER warehouse OPTIONS (user 'etl', password 'w4rehouse!');
-- expect: LNT030
SELECT dblink_connect('wh', 'postgresql://etl:w4rehouse!@warehouse:5432/dw');
