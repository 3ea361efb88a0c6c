"""Sales record (成交记录): the sales that benchmark prices and mass appraisal learn from (L1)."""
