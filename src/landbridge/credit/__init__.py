"""The rural credit system (issue #18): records, grades, the statistical scorecard, designations, enforcement."""
