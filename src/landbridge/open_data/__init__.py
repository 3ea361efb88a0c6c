"""Open data (数据开放, issue #19 item 6; requirements P2, S2): aggregate statistics by area and period with
k-anonymous cells (complementary suppression), land price indices by district and use (ADR 0018) and the data
catalogue, public and free of personal data. Reads the other modules through their public functions only."""
