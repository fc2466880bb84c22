DROP TABLE h_e, h_d, h_c, h_b, h_a;
