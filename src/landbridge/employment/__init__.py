"""The employment register (就业服务, issue #20 item 4, requirements E1, E2): employers with a verified USCC post
jobs (岗位) the employment officer publishes; residents register as job seekers (求职者) with their consent;
matching with reasons; applications and their outcomes.

Public functions only; other modules import from here.
"""

from landbridge.employment.errors import EmploymentError
from landbridge.employment.match import jobs_for, seekers_for
from landbridge.employment.rules import ApplicationStatus, JobStatus
from landbridge.employment.service import (
    apply,
    close_job,
    decide,
    employment_rules,
    expire_jobs,
    get_job,
    post_job,
    publish_job,
    register_seeker,
    reject_job,
    seeker_of,
    withdraw_application,
    withdraw_consent,
)

__all__ = [
    "ApplicationStatus",
    "EmploymentError",
    "JobStatus",
    "apply",
    "close_job",
    "decide",
    "employment_rules",
    "expire_jobs",
    "get_job",
    "jobs_for",
    "post_job",
    "publish_job",
    "register_seeker",
    "reject_job",
    "seeker_of",
    "seekers_for",
    "withdraw_application",
    "withdraw_consent",
]
