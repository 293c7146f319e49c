"""The Chinese texts residents receive, kept within one SMS segment where possible.

Pure module: takes plain values (times already in China Standard Time), returns strings.
A text with any Chinese character travels as UCS-2: 70 characters fit in one segment,
and a longer text is split into segments of 67 (each one billed). A text that only
uses the GSM 03.38 alphabet gets 160 / 153. Every text starts with the estate's name in
【】, as Chinese carriers expect a signature, and ends with how to opt out.
"""
from datetime import date, datetime

OPT_OUT_HINT = "回T退订"
COMMUNITY_FALLBACK = "社区"  # no community phone set: say whom to contact, never a made-up number

# GSM 03.38 basic alphabet and the extension characters that cost two septets.
_GSM_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
_GSM_EXTENDED = set("^{}\\[~]|€\f")
UCS2_SINGLE, UCS2_PART = 70, 67
GSM_SINGLE, GSM_PART = 160, 153


def _gsm_length(text: str) -> int | None:
    """Septets needed in GSM 03.38, or None if a character is outside that alphabet."""
    length = 0
    for char in text:
        if char in _GSM_BASIC:
            length += 1
        elif char in _GSM_EXTENDED:
            length += 2
        else:
            return None
    return length


def segments(text: str) -> int:
    """How many SMS segments `text` takes (0 for an empty text).

    UCS-2 counts UTF-16 code units, so a character outside the BMP (an emoji, a rare
    CJK extension character) counts as two.
    """
    if not text:
        return 0
    gsm = _gsm_length(text)
    if gsm is not None:
        return 1 if gsm <= GSM_SINGLE else -(-gsm // GSM_PART)
    units = len(text.encode("utf-16-le")) // 2
    return 1 if units <= UCS2_SINGLE else -(-units // UCS2_PART)


def short_time(moment: datetime) -> str:
    """'9月8日17:00' for a datetime already in China Standard Time (no year: texts are timely)."""
    return f"{moment.month}月{moment.day}日{moment:%H:%M}"


def short_date(moment: datetime) -> str:
    """'9月8日' for a datetime already in China Standard Time."""
    return f"{moment.month}月{moment.day}日"


def _fewest_segments(variants: list[str]) -> str:
    """The first variant that fits one segment, else the first with the fewest segments."""
    return min(variants, key=lambda text: (max(segments(text), 1), variants.index(text)))


def reminder_text(estate: str, title: str, closes_at_cst: datetime, url: str) -> str:
    """The voting-link reminder to a household that has not voted yet.

    A link alone takes ~50 characters, so this usually needs two segments; the
    variants drop the round's title first, then shorten the wording, to stay as short
    as the estate's name allows. The URL is always the last thing before the opt-out
    hint and is followed by a space, so phones do not glue the hint to the link.
    """
    when = short_time(closes_at_cst)
    return _fewest_segments([
        f"【{estate}】“{title}”将于{when}截止，您尚未表决，请点击链接表决：{url} {OPT_OUT_HINT}",
        f"【{estate}】改造表决将于{when}截止，您尚未表决，请点链接：{url} {OPT_OUT_HINT}",
        f"【{estate}】改造表决{when}截止，请点链接表决：{url} {OPT_OUT_HINT}",
    ])


def links_allowed(phone: str, no_link_prefixes: str) -> bool:
    """Whether a text to `phone` (E.164) may carry a URL.

    `no_link_prefixes` lists E.164 prefixes separated by commas or spaces ("+86": Twilio's
    rules for mainland China refuse URLs in message content); a phone starting with any of
    them gets the link-free texts. An empty list allows links everywhere.
    """
    prefixes = [p for p in no_link_prefixes.replace(",", " ").split() if p]
    return not any(phone.startswith(prefix) for prefix in prefixes)


def reminder_text_without_link(estate: str, unit: str, closes_at_cst: datetime, hotline: str) -> str:
    """The reminder where links are not allowed: the flat, the closing time, the QR slip at the door.

    `unit` is the flat's label ("1-2-201"); `hotline` the community's own number, or ""
    (none set: "请联系社区", never a made-up number). No URL, no domain.
    """
    when = short_time(closes_at_cst)
    call = f"致电社区{hotline}" if hotline else f"联系{COMMUNITY_FALLBACK}"
    return _fewest_segments([
        f"【{estate}】{unit}尚未参加改造表决，表决将于{when}截止。请用手机扫描社区送到您家门口的表决二维码条，"
        f"或向社区索取纸质表决票；咨询请{call}。{OPT_OUT_HINT}",
        f"【{estate}】{unit}改造表决将于{when}截止，您尚未表决。请扫描送到门口的表决二维码条参加表决，咨询请{call}。"
        f"{OPT_OUT_HINT}",
        f"【{estate}】{unit}改造表决{when}截止，请扫门口送达的二维码表决，咨询请{call}。{OPT_OUT_HINT}",
    ])


def result_text(estate: str, title: str, closed_at_cst: datetime, passed: bool, objection_ends_on: date | None,
                board_url: str) -> str:
    """The notice that a round's result is published (the "down" step of 三上三下).

    `objection_ends_on` (a CST date) while the result is provisional, None once final;
    `board_url` the estate's public board where links are allowed, "" where they are not
    (the text then points to the board on the estate and the community's notices).
    """
    outcome = "通过" if passed else "未通过"
    closed = short_date(closed_at_cst)
    if objection_ends_on is None:
        state = "（最终结果）"
    else:
        state = f"（异议期至{objection_ends_on.month}月{objection_ends_on.day}日，期满后确认）"
    # A URL is followed by a space, so phones do not glue the opt-out hint to it.
    board = f"详见公告栏：{board_url} " if board_url else "请查看小区公示栏或社区公告。"
    short_board = f"详见：{board_url} " if board_url else "请查看小区公示栏或社区公告。"
    return _fewest_segments([
        f"【{estate}】“{title}”（{closed}截止）表决结果：{outcome}{state}。{board}{OPT_OUT_HINT}",
        f"【{estate}】改造表决（{closed}截止）结果：{outcome}{state}。{board}{OPT_OUT_HINT}",
        f"【{estate}】{closed}截止的表决结果：{outcome}{state}，{short_board}{OPT_OUT_HINT}",
    ])


def code_text(estate: str, code: str, minutes: int) -> str:
    """The one-time code for voting online; no opt-out hint (the resident asked for it)."""
    return _fewest_segments([
        f"【{estate}】您的表决验证码：{code}，{minutes}分钟内有效。请勿告诉他人，工作人员不会索要验证码。",
        f"【{estate}】表决验证码：{code}，{minutes}分钟内有效，请勿告诉他人。",
        f"【{estate}】验证码{code}，{minutes}分钟内有效。",
    ])


def confirmation_text(estate: str, unit: str, cast_at_cst: datetime, channel_zh: str, hotline: str) -> str:
    """The household's notice that a ballot was recorded for it: estate, flat, time, channel.

    Never the choice, and never a URL (carriers in mainland China refuse links in such texts).
    `hotline` is the community's own number ("0571-88886666"), whom to call if it was not them;
    empty (none set) → "请联系社区", never a made-up number.
    """
    when = short_time(cast_at_cst)
    contact = f"请致电{COMMUNITY_FALLBACK}{hotline}" if hotline else f"请联系{COMMUNITY_FALLBACK}"
    return _fewest_segments([
        f"【{estate}】{unit}的改造表决已于{when}记录（{channel_zh}）。如非本人操作，{contact}。{OPT_OUT_HINT}",
        f"【{estate}】{unit}已于{when}表决（{channel_zh}），如非本人操作{contact}。{OPT_OUT_HINT}",
    ])
