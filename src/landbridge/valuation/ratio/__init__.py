"""Ratio studies (评估比率研究): assessment level and uniformity against sales (F1)."""
