"""Mass appraisal (批量评估): the model, its runs and jobs, and the parcel value pages (F1)."""
