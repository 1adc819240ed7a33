DROP TABLE bootstrap_state;
