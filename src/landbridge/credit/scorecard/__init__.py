"""The statistical credit scorecard (issue #18 scope 3): optimal binning + logistic regression trained offline
(``train``, the only module that imports optbinning, scikit-learn and pandas), scored online from an exported points
table with reason codes (``points``), monitored by PSI (``monitor``) and kept in a model registry (``registry``)."""
