"""Assessment (考核评估) and the task board (挂图作战 / 倒排工期), issue #19 scope 4 (P2, S2): layered above
supervision, whose public functions it reads; no module imports this package."""

from landbridge.assessment.scoring import adjust_score, publish, published_runs, review, score_year
from landbridge.assessment.tasks import alert_overdue, complete_milestone, complete_task, create_task, record_progress

__all__ = ["adjust_score", "alert_overdue", "complete_milestone", "complete_task", "create_task", "publish",
           "published_runs", "record_progress", "review", "score_year"]
