"""The error codes of ``landbridge.ledger`` with their zh-CN and English messages (issue #14 item 5)."""

from __future__ import annotations

from landbridge.errors import ErrorCode, Forbidden, NotFound, RuleViolation


class LedgerError(ErrorCode):
    """Every answer ``landbridge.ledger`` refuses a request with."""

    EVENT_NOT_FOUND = (NotFound, "ledger.event_not_found", "账本中没有序号为 {seq} 的事件",
                       "no ledger event with sequence number {seq}")

    BAD_TREE_SIZE = (RuleViolation, "ledger.bad_tree_size", "树大小超出范围", "tree size {size} is out of range")

    BAD_SEQUENCE = (RuleViolation, "ledger.bad_sequence", "序号不在该树内",
                    "sequence {seq} is not in a tree of {tree_size}")

    BAD_TREE_ORDER = (RuleViolation, "ledger.bad_tree_size", "第一棵树必须不大于第二棵", "need 1 <= first <= second")


    NODE_MISSING = (NotFound, "ledger.node_missing", "账本树节点缺失", "ledger node {level}/{index} is missing")

    SUBJECT_SEARCH_FORBIDDEN = (Forbidden, "ledger.subject_search_forbidden",
                                "只有有权查看该模块私密部分的角色才能按个人主体查询",
                                "only roles that may read a module's private parts may look up a personal subject")

    EMPTY = (NotFound, "ledger.empty", "账本为空", "the ledger is empty")

    BAD_EXPORT_RANGE = (RuleViolation, "ledger.bad_export_range",
                        "导出区间无效：须 1 ≤ 起始序号 ≤ 结束序号，且不超过 {most} 条",
                        "bad export range {first}..{last}: need 1 <= first <= last and at most {most} events")
