-- expect: LNT016, LNT017
VACUUM FULL orders;
