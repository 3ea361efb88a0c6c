"""The ratio-study report (评估比率研究报告): its pages and PDF (F1)."""
