"""Learning benchmark coefficient tables from sales (差别化地价修正, L1)."""
