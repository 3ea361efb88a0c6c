"""The error codes of ``landbridge.valuation`` with their zh-CN and English messages (issue #14 item 5)."""

from __future__ import annotations

from landbridge.errors import Conflict, ErrorCode, NotFound, RuleViolation


class ValuationError(ErrorCode):
    """Every answer ``landbridge.valuation`` refuses a request with."""

    INVALID_BENCHMARK = (RuleViolation, "valuation.invalid_benchmark", "基准地价体系文件无效: {exc}",
                         "invalid benchmark price system: {exc}")

    BENCHMARK_EXISTS = (Conflict, "valuation.benchmark_exists", "基准地价体系 {tables.code} 已存在",
                        "benchmark system {tables.code} already exists")

    BENCHMARK_NOT_FOUND = (NotFound, "valuation.benchmark_not_found", "基准地价体系 {code} 不存在",
                           "benchmark system {code} does not exist")

    BENCHMARK_NOT_DRAFT = (Conflict, "valuation.benchmark_not_draft", "只有草稿状态的基准地价体系可以公布",
                           "only a draft benchmark system can be published")

    NO_BENCHMARK = (RuleViolation, "valuation.no_benchmark", "该宗地所在区域没有已公布的基准地价体系",
                    "no published benchmark system covers this parcel's area")

    NO_PRICE_ZONE = (RuleViolation, "valuation.no_price_zone", "该宗地不在基准地价体系的任何级别/区片内",
                     "the parcel lies in no price zone of the benchmark system for its use")

    INVALID_RATIO_INPUT = (RuleViolation, "valuation.invalid_ratio_input", "评估比率研究的输入无效: {message_en}",
                           "invalid ratio-study input: {message_en}")

    FILE_TOO_LARGE = (RuleViolation, "valuation.file_too_large", "文件过大", "the file is too large")

    INVALID_BENCHMARK_2 = (RuleViolation, "valuation.invalid_benchmark", "基准地价体系文件须为 JSON 对象",
                           "the benchmark document must be a JSON object")

    INVALID_BENCHMARK_3 = (RuleViolation, "valuation.invalid_benchmark", "基准地价体系文件不是有效的 JSON",
                           "the benchmark document is not valid JSON: {str_exc_120}")

    INVALID_ATTRIBUTE = (RuleViolation, "valuation.invalid_attribute", "因素取值须写作 名称:值",
                         "a factor attribute is written name:value")

    TOO_FEW_COMPARABLES = (RuleViolation, "valuation.too_few_comparables",
                           "可比实例不足 {rules.min_comparables} 个 (同用途、{rules.max_age_years} 年内的正常交易仅 {"
                           "len_chosen} 个)",
                           "fewer than {rules.min_comparables} comparables (same use, within {rules.max_age_years} ye"
                           "ars, market sales): {len_chosen}")

    MASS_JOB_EXISTS = (Conflict, "valuation.mass_job_exists",
                       "估价期日 {valuation_date} 已有排队或进行中的批量评估任务 {active.id}",
                       "job {active.id} for {valuation_date} by {method} is already {active.status}")

    MASS_JOB_NOT_FOUND = (NotFound, "valuation.mass_job_not_found", "批量评估任务 {job_id} 不存在",
                          "mass appraisal job {job_id} does not exist")

    MASS_JOB_ABANDONED = (RuleViolation, "valuation.mass_job_abandoned",
                          "批量评估任务 {job.id} 的执行进程已中断 {job_attempts_1} 次，任务终止",
                          "the worker of job {job.id} died {job_attempts_1} times; the job is given up")

    LEARN_BAD_WINDOW = (RuleViolation, "valuation.learn_bad_window", "成交时间窗口的开始日期晚于结束日期",
                        "the sales window starts after it ends")

    LEARN_NO_SALES = (RuleViolation, "valuation.learn_no_sales", "该时间窗口内没有可用于测算的市场成交",
                      "no usable market sales in the window")

    LEARN_RUN_NOT_FOUND = (NotFound, "valuation.learn_run_not_found", "差别化地价修正测算 {run_id} 不存在",
                           "coefficient learning run {run_id} does not exist")

    LEARN_RUN_OTHER_SYSTEM = (RuleViolation, "valuation.learn_run_other_system", "该测算不属于此基准地价体系",
                              "the learning run belongs to another benchmark system")

    LEARN_BAD_WINDOW_2 = (RuleViolation, "valuation.learn_bad_window", "日期格式应为 YYYY-MM-DD",
                          "dates are written YYYY-MM-DD")

    MASS_BAD_DATE = (RuleViolation, "valuation.mass_bad_date", "估价期日格式应为 YYYY-MM-DD",
                     "the valuation date must be YYYY-MM-DD")

    TOO_FEW_SALES = (RuleViolation, "valuation.too_few_sales",
                     "成交样本不足：{sales} 宗可用成交，留出检验后不足 {needed} 宗，无法批量评估",
                     "too few sales: {sales} usable sales leave fewer than {needed} to fit on after the holdout")

    MASS_FUTURE_DATE = (RuleViolation, "valuation.mass_future_date", "估价期日 {valuation_date} 晚于今日",
                        "the valuation date {valuation_date} is after today")

    MASS_UNKNOWN_METHOD = (RuleViolation, "valuation.mass_unknown_method", "未知的评估方法 {method}",
                           "unknown mass appraisal method {method}")

    MASS_RUN_EXISTS = (Conflict, "valuation.mass_run_exists",
                       "估价期日 {valuation_date} 已有批量评估批次 {existing.run_no}",
                       "run {existing.run_no} already values {valuation_date} by {method}")

    MASS_RUN_NOT_FOUND = (NotFound, "valuation.mass_run_not_found", "批量评估批次 {run_id} 不存在",
                          "mass appraisal run {run_id} does not exist")

    PARCEL_VALUE_NOT_FOUND = (NotFound, "valuation.parcel_value_not_found", "宗地 {parcel_id} 没有批量评估价值",
                              "parcel {parcel_id} has no mass-appraised value")

    MASS_CANNOT_FIT = (RuleViolation, "valuation.mass_cannot_fit", "无法拟合批量评估模型：{exc}",
                       "cannot fit the mass appraisal model: {exc}")

    SALE_NOT_FOUND = (NotFound, "valuation.sale_not_found", "成交记录 {sale_id} 不存在",
                      "sale {sale_id} does not exist")

    REPORT_NO_HOLDOUT = (NotFound, "valuation.report_no_holdout",
                         "批量评估批次 {run.run_no} 未保存留出样本，无法生成比率研究报告",
                         "run {run.run_no} kept no held-out sales to report on")

    INVALID_SALE = (RuleViolation, "valuation.invalid_sale", "第 {index} 条成交记录的{zh}无效: {reason}",
                    "sale {index}: invalid {field}: {reason_en}")

    INVALID_SALE_2 = (RuleViolation, "valuation.invalid_sale", "成交记录引用的宗地或当事人不存在",
                      "a sale refers to a parcel or party that does not exist")

    EMPTY_BATCH = (RuleViolation, "valuation.empty_batch", "没有要导入的成交记录", "the batch contains no sales")

    BATCH_NOT_FOUND = (NotFound, "valuation.batch_not_found", "成交记录批次 {batch_no} 不存在",
                       "sale batch {batch_no} does not exist")

    FLAG_NOT_FOUND = (NotFound, "valuation.flag_not_found", "标记 {flag_id} 不存在",
                      "sale flag {flag_id} does not exist")

    INVALID_REVIEW = (RuleViolation, "valuation.invalid_review", "复核结论须为 accepted 或 rejected",
                      "the decision must be accepted or rejected")

    INVALID_REVIEW_2 = (RuleViolation, "valuation.invalid_review", "复核须附说明 (至多 2000 字)",
                        "a review needs a note (at most 2,000 characters)")

    FLAG_ALREADY_REVIEWED = (Conflict, "valuation.flag_already_reviewed", "该标记已复核",
                             "this flag has already been reviewed")

    BAD_EXPORT_RANGE = (RuleViolation, "valuation.bad_export_range",
                        "导出日期区间无效：须 起始日期 ≤ 结束日期，且跨度不超过 {most} 天",
                        "bad export range {since}..{until}: need from <= to and at most {most} days")

    INVALID_VIEWPORT = (RuleViolation, "valuation.invalid_viewport",
                        "地图范围无效（{reason}）：须为 西,南,东,北 4 个经纬度数值（EPSG:4490），"
                        "宽高各不超过 {max_span} 度，"
                        "缩放级别 0–22",
                        "invalid map viewport ({reason}): need west,south,east,north in degrees (EPSG:4490), at most "
                        "{max_span} degrees wide and high, zoom 0-22")

    UNKNOWN_ZONE_USE = (RuleViolation, "valuation.unknown_zone_use", "已公布的基准地价体系中没有用途 {use} 的级别/区片",
                        "no published benchmark price zone has the use {use}")
