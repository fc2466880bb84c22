DROP TABLE s_e, s_d, s_c, s_b, s_a;
