"""The interface's own words in each supported locale, and locale resolution."""

from __future__ import annotations

import os
from datetime import date, datetime

from babel.dates import format_date, format_datetime, format_time

LOCALES = ("en", "zh")


def resolve_locale(requested: str | None = None) -> str:
    """Map `--locale`, or the system locale when none is given, onto a supported one.

    Any Chinese variant (zh_CN, zh_TW, zh_Hant, zh-HK) maps to `zh`: the scripts are
    written in simplified Chinese and traditional input is accepted everywhere.
    """
    candidate = requested
    if not candidate:
        for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
            if os.environ.get(var):
                candidate = os.environ[var]
                break
    candidate = (candidate or "en").replace("-", "_").lower()
    if candidate.startswith("zh"):
        return "zh"
    return "en"


def is_supported(locale: str) -> bool:
    return locale in LOCALES


def babel_locale(locale: str) -> str:
    """The babel locale used to format numbers and dates for a supported locale."""
    return {"zh": "zh_Hans_CN", "en": "en_US"}.get(locale, locale)


def fmt_date(value: date, locale: str) -> str:
    return format_date(value, format="medium", locale=babel_locale(locale))


def fmt_datetime(value: datetime, locale: str) -> str:
    return format_datetime(value, format="medium", tzinfo=value.tzinfo, locale=babel_locale(locale))


def fmt_short_date(value: date, locale: str) -> str:
    return format_date(value, format="short", locale=babel_locale(locale))


def fmt_time(value: datetime, locale: str) -> str:
    return format_time(value, format="short", tzinfo=value.tzinfo, locale=babel_locale(locale))


LABELS: dict[str, dict[str, str]] = {
    "en": {
        "app_title": "callassist",
        "worklist": "Worklist",
        "worklist_sub": "{collector} · {count} accounts · highest priority first",
        "col_debtor": "Debtor",
        "col_balance": "Balance",
        "col_dpd": "Days",
        "col_class": "Class",
        "days_late": "{days} days late",
        "col_last": "Last call",
        "col_promise": "Promise",
        "graph_excuse": "an excuse",
        "no_accounts": "No accounts are assigned to {collector}. Run `callassist demo` for sample data, or pick another collector with --collector.",
        "call": "Call",
        "start_call": "Call",
        "reload": "Reload",
        "quit": "Quit",
        "account": "Account",
        "contact": "Contact",
        "phone": "Phone",
        "local_time": "Their time",
        "balance": "Balance",
        "invoices": "Invoices",
        "promises": "Earlier promises",
        "none": "none",
        "prompt": "Say",
        "choices": "Debtor",
        "objections": "Excuses",
        "objection_keys": "1 dodge  2 old friend  3 dispute  4 stall  5 deflect  6 wear down",
        "rung": "rung {rung}/{rungs}",
        "principle": "principle",
        "counters": "counters",
        "last_rung": "Last rung: if this fails, change roles (e).",
        "objections_locked": "Excuses are answered once the right person is verified.",
        "note": "Note",
        "add_note": "Note",
        "note_placeholder": "What the debtor said, what was agreed…",
        "note_saved": "Note saved.",
        "end_call": "End call",
        "promise_form": "Promise",
        "promise_not_yet": "The promise is written down in the “{step}” step: get there first.",
        "help": "Keys",
        "back": "Back",
        "save": "Save",
        "cancel": "Cancel",
        "saving": "Saving…",
        "save_failed": "Not saved: {error}. Retrying; nothing moves on until it is stored.",
        "saved_again": "Stored.",
        "timer": "on call {elapsed}",
        "resume_title": "Unfinished call",
        "drafts_kept": "What you were typing is kept: {forms}.",
        "resume_body": "A call with {debtor} was interrupted at “{step}” ({when}). Resume it now?",
        "resume": "Resume",
        "later": "Later",
        "promise_title": "Written promise",
        "promise_total": "Total promised ({currency}; balance {balance})",
        "promise_rows": "Payment dates and amounts (one row = single payment; more rows = plan)",
        "promise_date": "Date (YYYY-MM-DD)",
        "promise_amount": "Amount",
        "promise_add_row": "Add payment",
        "promise_remove_row": "Remove last",
        "promise_method": "Payment method",
        "promise_channel": "Written confirmation by",
        "method_bank_transfer": "bank transfer",
        "method_online": "online payment",
        "method_cheque": "cheque",
        "method_cash": "cash",
        "channel_email": "e-mail",
        "channel_wechat": "WeChat",
        "channel_sms": "SMS",
        "channel_fax": "fax",
        "channel_letter": "signed letter",
        "err_amount_positive": "The amount must be more than zero.",
        "err_above_balance": "The amount is above the balance of {balance}.",
        "err_need_date": "Enter at least one payment date.",
        "err_date": "“{value}” is not a date: use YYYY-MM-DD, e.g. 2026-12-01.",
        "err_date_past": "The date is in the past: use {today} or later.",
        "err_dates_order": "Dates must be different and in order, earliest first.",
        "err_plan_sum": "The payments add up to {planned}, but the total is {total}.",
        "err_choose_method": "Choose a payment method.",
        "err_choose_channel": "Choose how the debtor confirms in writing.",
        "err_amount": "{detail}",
        "field_total": "Total",
        "field_due": "Date {n}",
        "field_amount": "Amount {n}",
        "field_method": "Method",
        "field_channel": "Confirmation",
        "disposition_title": "End the call",
        "disposition": "Outcome",
        "disposition_note": "Note (required for this outcome)",
        "disposition_note_optional": "Note (optional)",
        "next_contact": "Next contact (YYYY-MM-DD, optional)",
        "err_note_required": "This outcome needs a note: what happened and what comes next.",
        "err_next_contact": "“{value}” is not a date: use YYYY-MM-DD.",
        "err_no_promise": "No promise was captured on this call: choose another outcome.",
        "disp_promise": "Promise to pay",
        "disp_callback": "Callback agreed",
        "disp_dispute": "Dispute",
        "disp_no_answer": "No answer",
        "disp_wrong_party": "Wrong party",
        "disp_refused": "Refused",
        "disp_escalated": "Escalated",
        "disp_abusive": "Abusive",
        "class_current": "current",
        "class_collection": "in collection",
        "class_watch": "doubtful-watch",
        "class_doubtful": "doubtful",
        "class_write_off": "write-off",
        "status_open": "open",
        "status_kept": "kept",
        "status_partly_kept": "partly kept",
        "status_broken": "broken",
        "greeting_morning": "Good morning",
        "greeting_afternoon": "Good afternoon",
        "greeting_evening": "Good evening",
        "script_refused": "The script cannot be used until these problems are fixed:",
        "script_kept": "The edited script was refused; calls go on with the last good version ({version}) until these problems are fixed:",
        "content_reloaded": "Scripts and objections reloaded: {script} version {version}. A call under way keeps its own version.",
        "reload_content": "Reload scripts and objections",
        "reload_content_help": "Check the edited script and objection files and use them from the next call",
        "call_ended": "Call ended: {disposition}.",
        "find_account": "Call {debtor} ({contact}, {phone})",
        "find_account_key": "Find an account (name, contact, phone)",
        "never": "never",
    },
    "zh": {
        "app_title": "callassist 催收助手",
        "worklist": "待办账户",
        "worklist_sub": "{collector} · {count} 个账户 · 按优先级排序",
        "col_debtor": "债务人",
        "col_balance": "欠款",
        "col_dpd": "逾期",
        "col_class": "分类",
        "days_late": "逾期 {days} 天",
        "col_last": "上次联系",
        "col_promise": "承诺",
        "graph_excuse": "对方找借口",
        "no_accounts": "没有分配给 {collector} 的账户。运行 `callassist demo` 生成示例数据，或用 --collector 指定催收员。",
        "call": "通话",
        "start_call": "拨打",
        "reload": "刷新",
        "quit": "退出",
        "account": "账户",
        "contact": "联系人",
        "phone": "电话",
        "local_time": "对方时间",
        "balance": "欠款",
        "invoices": "发票",
        "promises": "历史承诺",
        "none": "无",
        "prompt": "话术",
        "choices": "对方反应",
        "objections": "借口",
        "objection_keys": "1 躲  2 拉  3 赖  4 拖  5 推  6 磨",
        "rung": "第 {rung}/{rungs} 步",
        "principle": "心法",
        "counters": "对策",
        "last_rung": "已是最后一步：仍无效就转换角色（e）。",
        "objections_locked": "确认是本人之后才能应对借口。",
        "note": "备注",
        "add_note": "备注",
        "note_placeholder": "对方说了什么，约定了什么……",
        "note_saved": "备注已保存。",
        "end_call": "结束通话",
        "promise_form": "承诺",
        "promise_not_yet": "还款承诺在“{step}”一步记录，请先进行到那一步。",
        "help": "按键",
        "back": "返回",
        "save": "保存",
        "cancel": "取消",
        "saving": "保存中……",
        "save_failed": "未保存：{error}。正在重试，保存成功前不会继续。",
        "saved_again": "已保存。",
        "timer": "通话时长 {elapsed}",
        "resume_title": "未完成的通话",
        "drafts_kept": "之前正在填写的内容已保留：{forms}。",
        "resume_body": "与 {debtor} 的通话在“{step}”中断（{when}）。现在继续吗？",
        "resume": "继续",
        "later": "稍后",
        "promise_title": "书面还款承诺",
        "promise_total": "承诺总额（{currency}；欠款 {balance}）",
        "promise_rows": "付款日期和金额（一行为一次付清；多行为分期）",
        "promise_date": "日期（YYYY-MM-DD）",
        "promise_amount": "金额",
        "promise_add_row": "增加一期",
        "promise_remove_row": "删除最后一期",
        "promise_method": "付款方式",
        "promise_channel": "书面确认渠道",
        "method_bank_transfer": "银行转账",
        "method_online": "在线支付",
        "method_cheque": "支票",
        "method_cash": "现金",
        "channel_email": "电子邮件",
        "channel_wechat": "微信",
        "channel_sms": "短信",
        "channel_fax": "传真",
        "channel_letter": "签字函件",
        "err_amount_positive": "金额必须大于零。",
        "err_above_balance": "金额超过了欠款 {balance}。",
        "err_need_date": "至少填写一个付款日期。",
        "err_date": "“{value}”不是日期：请用 YYYY-MM-DD，例如 2026-12-01。",
        "err_date_past": "日期已过：请填写 {today} 或之后的日期。",
        "err_dates_order": "各期日期不能相同，且要从早到晚排列。",
        "err_plan_sum": "各期合计 {planned}，与总额 {total} 不符。",
        "err_choose_method": "请选择付款方式。",
        "err_choose_channel": "请选择对方书面确认的渠道。",
        "err_amount": "金额无效：只能填写数字和一个小数点，例如 12500.00。",
        "field_total": "总额",
        "field_due": "第 {n} 期日期",
        "field_amount": "第 {n} 期金额",
        "field_method": "付款方式",
        "field_channel": "确认渠道",
        "disposition_title": "结束通话",
        "disposition": "通话结果",
        "disposition_note": "备注（此结果必填）",
        "disposition_note_optional": "备注（选填）",
        "next_contact": "下次联系日期（YYYY-MM-DD，选填）",
        "err_note_required": "此结果需要备注：发生了什么，下一步是什么。",
        "err_next_contact": "“{value}”不是日期：请用 YYYY-MM-DD。",
        "err_no_promise": "本次通话没有记录承诺，请选择其他结果。",
        "disp_promise": "承诺还款",
        "disp_callback": "约定回电",
        "disp_dispute": "有异议",
        "disp_no_answer": "无人接听",
        "disp_wrong_party": "非本人",
        "disp_refused": "拒绝付款",
        "disp_escalated": "已升级",
        "disp_abusive": "对方辱骂",
        "class_current": "未到期",
        "class_collection": "催收款",
        "class_watch": "准呆账",
        "class_doubtful": "呆账",
        "class_write_off": "死账",
        "status_open": "待兑现",
        "status_kept": "已兑现",
        "status_partly_kept": "部分兑现",
        "status_broken": "未兑现",
        "greeting_morning": "上午好",
        "greeting_afternoon": "下午好",
        "greeting_evening": "晚上好",
        "script_refused": "话术有以下问题，修正前不能使用：",
        "script_kept": "修改后的话术未通过检查；在问题修正前，通话继续使用上一个合格版本（{version}）：",
        "content_reloaded": "话术与借口库已重新载入：{script} 版本 {version}。进行中的通话仍用原版本。",
        "reload_content": "重新载入话术与借口库",
        "reload_content_help": "检查修改后的话术和借口文件，从下一通电话起使用",
        "call_ended": "通话已结束：{disposition}。",
        "find_account": "拨打 {debtor}（{contact}，{phone}）",
        "find_account_key": "查找账户（名称、联系人、电话）",
        "never": "从未",
    },
}


def label(key: str, locale: str, **values: object) -> str:
    """The interface text `key` in `locale`, with {placeholders} filled in."""
    return LABELS[locale][key].format(**values)
