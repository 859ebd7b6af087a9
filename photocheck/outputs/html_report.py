"""One self-contained HTML report: the recommended set first, then every photo as a contact sheet.

Thumbnails are embedded as base64 JPEG data URIs, the CSS is inline and a Content-Security-Policy forbids every
network request, so the file can be mailed or opened offline. Red-flag evidence boxes are CSS boxes positioned in
percent of the photo over the thumbnail. Every file name and text is escaped; a name that is not valid UTF-8 shows
with replacement characters. The writer reads no file: its pictures come made (photocheck/report_pictures.py, which
reads only photos inside the scanned folder), and the page links to no file at all.

A camp has 500-2,000 photos: the contact sheet can be filtered (all / with a red flag / maybe / could not be read) and
sorted (file name / capture time / score) by one small inline script, driven by the URL fragment
(`report.html#filter=flagged&sort=score`). Without script the controls stay hidden and every photo shows. Cards off
screen are neither laid out nor painted (`content-visibility: auto`), so a long sheet opens about as fast as a short
one; the thumbnails themselves are the file's size (about 30 KB of base64 a photo, see `[report]` in defaults.toml).
"""

from __future__ import annotations

import base64
import html
from collections import Counter
from collections.abc import Iterable

from photocheck.config import Config
from photocheck.i18n import message, photo_error, readable, term
from photocheck.records.analysis import Box
from photocheck.records.judgement import Flag, PhotoResult, ScanResult
from photocheck.records.report import ReportPictures
from photocheck.records.selection import UNDATED, Check, Pick, Selection

STYLE = """
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222;background:#fafafa}
h1{font-size:1.5em}h2{margin-top:1.5em;border-bottom:2px solid #ccc}
.sheet{display:grid;grid-template-columns:repeat(auto-fill,minmax(260px,1fr));gap:12px}
.group{grid-column:1/-1;border:2px dashed #888;padding:8px;border-radius:6px}
.group>.sheet{margin-top:6px}
.card{background:#fff;border:1px solid #ddd;border-radius:6px;padding:8px;overflow-wrap:anywhere}
.card.pick{border:3px solid #2a8a2a}
.thumb{position:relative;line-height:0;background:#eee;overflow:hidden}
.thumb img{width:100%;height:auto}
.box{position:absolute;border:2px solid #e00;box-sizing:border-box}
.box.weak{border-style:dashed;border-color:#f90}
.box span{position:absolute;left:0;top:0;font:11px/1.3 sans-serif;background:#e00;color:#fff;padding:0 3px;
white-space:nowrap}
.box.weak span{background:#f90}
.box.check{border-style:dotted;border-color:#06c}.box.check span{background:#06c}
.checks li{color:#046}
.box.consent{border-color:#70c}.box.consent span{background:#70c}
.box.consent.weak{border-color:#b8e}.box.consent.weak span{background:#b8e}
.name{font-weight:600;margin:4px 0}
.verdict{display:inline-block;padding:0 6px;border-radius:4px;color:#fff;background:#999}
.verdict.post{background:#2a8a2a}.verdict.maybe{background:#c90}.verdict.skip{background:#c33}
.caption{font-family:monospace;background:#f3f3f3;padding:2px 4px}
ul{margin:4px 0;padding-left:1.2em}.minus{color:#a22}.plus{color:#262}
.flags li{color:#a00}.muted{color:#777}
.faces{display:flex;flex-wrap:wrap;gap:6px}.faces figure{margin:0;width:84px;font-size:11px;overflow-wrap:anywhere}
.faces img{width:84px;height:84px;object-fit:cover;border-radius:4px}
[hidden]{display:none!important}
#controls{position:sticky;top:0;z-index:2;background:#fafafa;padding:6px 0;display:flex;flex-wrap:wrap;gap:6px;
align-items:center}
#controls button{font:inherit;border:1px solid #aaa;border-radius:4px;background:#fff;padding:1px 8px;cursor:pointer}
#controls button[aria-pressed=true]{background:#333;border-color:#333;color:#fff}
#all .card{content-visibility:auto;contain-intrinsic-size:auto 260px auto 440px}
"""

# The contact sheet's filters: the photos each shows besides "all" come from `_filters`.
FILTERS = ("all", "flagged", "maybe", "unreadable")
# Its orders: "name" is the page's own order (the scan lists photos by path, a group where its first photo is).
SORTS = ("name", "time", "score")
# Stands for the number in a sentence the script completes (it cannot occur in a catalogue sentence).
NUMBER_MARK = "\x00"
# The page's one script. On load it counts decoded thumbnails into data attributes (a headless browser test sees that
# images really rendered). It shows the sheet's controls and applies the view the URL fragment names
# (#filter=flagged&sort=score; an unknown one shows everything by name); a control only changes the fragment, so Back
# undoes a filter, a view can be bookmarked and a test opens one by its address. A group of similar photos sorts by its
# first photo, hides when all its photos do and says how many of them a filter leaves; photos without a capture time
# or a score sort last.
SCRIPT = """
addEventListener('load', () => {
  const images = [...document.images];
  document.body.dataset.thumbnails = images.length;
  document.body.dataset.thumbnailsRendered = images.filter(image => image.complete && image.naturalWidth > 0).length;
});
document.addEventListener('DOMContentLoaded', () => {
  const sheet = document.getElementById('all'), controls = document.getElementById('controls');
  const pageOrder = [...sheet.children];
  const cards = sheet.querySelectorAll('.card'), groups = sheet.querySelectorAll('.group');
  const buttons = controls.querySelectorAll('button'), sorting = controls.querySelector('select');
  const filters = new Set([...buttons].map(button => button.value));
  const lead = item => item.classList.contains('group') ? item.querySelector('.card') : item;
  const missingLast = (a, b, order) => a === undefined ? (b === undefined ? 0 : 1) : b === undefined ? -1 : order(a, b);
  const orders = new Map([
    ['name', null],
    ['time', (a, b) => missingLast(a.dataset.taken, b.dataset.taken, (x, y) => x < y ? -1 : x > y ? 1 : 0)],
    ['score', (a, b) => missingLast(a.dataset.score, b.dataset.score, (x, y) => y - x)],
  ]);
  let shownSort = 'name';
  const chosen = () => new URLSearchParams(location.hash.slice(1));
  function show() {
    const view = chosen();
    const filter = filters.has(view.get('filter')) ? view.get('filter') : 'all';
    const sort = orders.has(view.get('sort')) ? view.get('sort') : 'name';
    cards.forEach(card => { card.hidden = filter !== 'all' && !card.dataset.filters.split(' ').includes(filter); });
    groups.forEach(group => {
      const shown = group.querySelectorAll('.card:not([hidden])').length, note = group.querySelector('.shown');
      group.hidden = !shown;
      note.hidden = !shown || shown === group.querySelectorAll('.card').length;
      note.textContent = note.dataset.before + shown + note.dataset.after;
    });
    buttons.forEach(button => button.setAttribute('aria-pressed', button.value === filter));
    sorting.value = sort;
    if (sort !== shownSort) {
      const order = orders.get(sort);
      sheet.append(...(order ? pageOrder.slice().sort((a, b) => order(lead(a), lead(b))) : pageOrder));
      shownSort = sort;
    }
  }
  function choose(key, value) {
    const fragment = chosen();
    fragment.set(key, value);
    location.hash = fragment;
    const below = sheet.getBoundingClientRect().top - controls.offsetHeight;
    if (below < 0) scrollBy(0, below);  // scrolled down the sheet: its new first photos, just under the controls
  }
  buttons.forEach(button => button.addEventListener('click', () => choose('filter', button.value)));
  sorting.addEventListener('change', () => choose('sort', sorting.value));
  addEventListener('hashchange', show);
  controls.hidden = false;
  show();
});
"""
CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'"


def _e(value: object) -> str:
    return html.escape(readable(value), quote=True)


def _t(key: str, language: str, **values) -> str:
    return _e(message(f"report.{key}", language, **values))


def _data_uri(jpeg: bytes) -> str:
    return "data:image/jpeg;base64," + base64.b64encode(jpeg).decode("ascii")


def _coverage(selection: Selection, pictures: ReportPictures, language: str) -> str:
    """How many of the folder's people the picks show, and a face of each person no pick shows yet."""
    seen = selection.coverage
    if seen is None or not seen.people:
        return ""
    figures = []
    for face, jpeg in zip(seen.not_shown, pictures.faces_not_shown):
        if jpeg is not None:
            uri = _data_uri(jpeg)
            figures.append(f'<figure><img src="{uri}" alt="{_e(face.photo)}"><figcaption>{_e(face.photo)}</figcaption></figure>')
    missing = f"<p>{_t('not_shown', language, count=len(seen.not_shown))}</p><div class=\"faces\">{''.join(figures)}</div>"
    return (
        f'<div id="coverage"><p>{_t("coverage", language, shown=seen.shown, people=seen.people)}</p>'
        f"{missing if seen.not_shown else ''}</div>"
    )


def _box_style(box: Box, width: int, height: int) -> str:
    box = box.clipped(width, height)
    return (
        f"left:{100 * box.x1 / width:.2f}%;top:{100 * box.y1 / height:.2f}%;"
        f"width:{100 * box.width / width:.2f}%;height:{100 * box.height / height:.2f}%"
    )


def _evidence_boxes(photo: PhotoResult, language: str, lettering: Iterable[Check] = ()) -> str:
    """The boxes of every red flag's evidence, and of the `lettering` a pick asks the leader to read."""
    analysis, judgement = photo.analysis, photo.judgement
    if judgement is None or not analysis.width or not analysis.height:
        return ""
    boxes = []
    for check in lettering:
        style = _box_style(check.evidence.box, analysis.width, analysis.height)
        label = message(check.evidence.code, language, **check.evidence.values)
        boxes.append(f'<div class="box check" style="{style}"><span>{_e(label)}</span></div>')
    for flag in judgement.flags:
        for evidence in flag.evidence:
            if evidence.box is None:
                continue
            style = _box_style(evidence.box, analysis.width, analysis.height)
            weak = "" if flag.strong else " weak"
            said = message(evidence.code, language, **evidence.values)
            label = f"{term('policy', flag.kind, language)}: {said} {evidence.score:.2f}"
            boxes.append(f'<div class="box{weak}" style="{style}"><span>{_e(label)}</span></div>')
    for match in judgement.consent:  # a child on the consent list: the box names them
        style = _box_style(match.box, analysis.width, analysis.height)
        key, weak = ("consent", "") if match.strong else ("consent_weak", " weak")
        label = message(f"report.{key}", language, name=match.name, similarity=f"{match.similarity:.2f}")
        boxes.append(f'<div class="box consent{weak}" style="{style}"><span>{_e(label)}</span></div>')
    return "".join(boxes)


def _thumb(photo: PhotoResult, uri: str | None, language: str, lettering: Iterable[Check] = ()) -> str:
    if uri is None:
        return f'<div class="thumb muted">{_t("no_preview", language)}</div>'
    alt = _e(photo.analysis.path)
    return f'<div class="thumb"><img src="{uri}" alt="{alt}">{_evidence_boxes(photo, language, lettering)}</div>'


def _check_text(check: Check, language: str) -> str:
    """The evidence in words, after the flag's kind (lettering says what it is by itself)."""
    said = message(check.evidence.code, language, **check.evidence.values)
    return said if check.kind == "lettering" else f"{term('policy', check.kind, language)}: {said}"


def _checks(pick: Pick, language: str) -> str:
    """What the leader should look at before posting the pick, each item also boxed on the thumbnail."""
    if not pick.checks:
        return ""
    items = "".join(f"<li>{_e(_check_text(check, language))}</li>" for check in pick.checks)
    return f'<div>{_t("to_check", language)}:<ul class="checks">{items}</ul></div>'


def _reason_items(reasons: Iterable) -> str:
    items = []
    for reason in reasons:
        sign = "minus" if reason.effect < 0 else "plus" if reason.effect > 0 else ""
        effect = f" ({reason.effect:+g})" if reason.effect and reason.policy != "selection" else ""
        items.append(f'<li class="{sign}">{_e(reason.detail)}{_e(effect)}</li>')
    return "".join(items)


def _flag_text(flag: Flag, language: str) -> str:
    strength = message("report.strong" if flag.strong else "report.weak", language)
    return _t("flag", language, kind=flag.kind, strength=strength, confidence=f"{flag.confidence:.2f}", detail=flag.detail)


def _verdict_line(photo: PhotoResult, language: str) -> str:
    judgement = photo.judgement
    if judgement is None:
        return f'<span class="verdict skip">{_t("unreadable", language)}</span> <span class="muted">{_e(photo_error(photo.analysis, language))}</span>'
    verdict = judgement.verdict
    badge = f'<span class="verdict {_e(verdict or "")}">{_e(term("verdict", verdict or "unknown", language))}</span>'
    score = _t("score", language, score=round(judgement.score)) if judgement.score is not None else _t("no_score", language)
    return f"{badge} {score} · {_t('people', language, count=judgement.people.count)}"


def _filters(photo: PhotoResult) -> list[str]:
    """The filters of the contact sheet that show this photo, besides "all"."""
    judgement = photo.judgement
    if judgement is None:
        return ["unreadable"]
    shown_by = {"flagged": bool(judgement.flags), "maybe": judgement.verdict == "maybe"}
    return [name for name, shows in shown_by.items() if shows]


def _sheet_keys(photo: PhotoResult) -> str:
    """The data attributes the page's script filters and sorts the card by (a missing one sorts last)."""
    judgement = photo.judgement
    keys = {
        "name": photo.analysis.path,
        "filters": " ".join(_filters(photo)),
        "taken": photo.analysis.taken_at,
        "score": round(judgement.score) if judgement is not None and judgement.score is not None else None,
    }
    return "".join(f' data-{key}="{_e(value)}"' for key, value in keys.items() if value is not None)


def _controls(photos: list[PhotoResult], language: str) -> str:
    """The filter buttons (each with how many photos it shows) and the sort order; hidden until the script runs."""
    counts = Counter(name for photo in photos for name in _filters(photo))
    counts["all"] = len(photos)
    buttons = "".join(
        f'<button type="button" value="{name}">{_t(f"filter_{name}", language, count=counts[name])}</button>'
        for name in FILTERS
    )
    options = "".join(f'<option value="{name}">{_t(f"sort_{name}", language)}</option>' for name in SORTS)
    return (
        f'<div id="controls" hidden>{_t("show", language)}: {buttons}'
        f"<label>{_t('sort', language)} <select>{options}</select></label></div>"
    )


def _photo_card(photo: PhotoResult, uri: str | None, pick: Pick | None, why_not: list, language: str) -> str:
    judgement = photo.judgement
    parts = [_thumb(photo, uri, language), f'<div class="name">{_e(photo.analysis.path)}</div>', f"<div>{_verdict_line(photo, language)}</div>"]
    if pick is not None:
        parts.append(f"<div><b>{_t('picked', language)}</b>: {_t('slot', language, slot=pick.slot)}</div>")
    elif why_not:
        parts.append(f"<div>{_t('why_not', language)}:<ul>{_reason_items(why_not)}</ul></div>")
    if judgement is not None and judgement.flags:
        flags = "".join(f"<li>{_flag_text(flag, language)}</li>" for flag in judgement.flags)
        parts.append(f'<div>{_t("flags", language)}:<ul class="flags">{flags}</ul></div>')
    if judgement is not None and judgement.reasons:
        parts.append(f"<details><summary>{_t('reasons', language)}</summary><ul>{_reason_items(judgement.reasons)}</ul></details>")
    css = "card pick" if pick is not None else "card"
    return f'<div class="{css}"{_sheet_keys(photo)}>{"".join(parts)}</div>'


def _day(pick: Pick, language: str) -> str:
    return _e(message("select_summary.undated", language)) if pick.day == UNDATED else _e(pick.day)


def _pick_card(pick: Pick, photo: PhotoResult, uri: str | None, language: str) -> str:
    when = f" · {_e(pick.taken_at)}" if pick.taken_at else ""
    lettering = [check for check in pick.checks if check.kind == "lettering" and check.evidence.box is not None]
    return (
        f'<div class="card pick" data-pick="{_e(pick.path)}">{_thumb(photo, uri, language, lettering)}'
        f'<div class="name">{_e(pick.path)}</div><div>{_verdict_line(photo, language)}</div>'
        f"{_checks(pick, language)}"
        f"<div>{_day(pick, language)}{when} · <b>{_t('slot', language, slot=pick.slot)}</b></div>"
        f'<div>{_t("caption", language)}: <span class="caption">{_e(pick.caption)}</span></div>'
        f"<div>{_t('why_picked', language)}:<ul>{_reason_items(pick.reasons)}</ul></div></div>"
    )


def render(result: ScanResult, selection: Selection, pictures: ReportPictures, config: Config) -> str:
    """The page; `pictures` (photocheck/report_pictures.py) holds every JPEG it embeds."""
    language = config.output.language
    by_path = {photo.analysis.path: photo for photo in result.photos}
    uris = {path: _data_uri(jpeg) if jpeg is not None else None for path, jpeg in pictures.thumbnails.items()}
    picks = {pick.path: pick for pick in selection.picks}
    why_not = {rejection.path: rejection.reasons for rejection in selection.rejected}

    pick_cards = "".join(_pick_card(pick, by_path[pick.path], uris[pick.path], language) for pick in selection.picks)
    group_of = {member: group for group in selection.groups for member in group.members}
    sheet, shown = [], set()
    for photo in result.photos:
        path = photo.analysis.path
        if path in shown:
            continue
        group = group_of.get(path)
        members = group.members if group is not None else [path]
        shown.update(members)
        cards = "".join(_photo_card(by_path[m], uris[m], picks.get(m), why_not.get(m, []), language) for m in members)
        if group is None:
            sheet.append(cards)
        else:
            heading = _t("group", language, size=len(members))
            # The script says how many of the group a filter leaves; the sentence around that number comes from here.
            before, after = _t("group_filtered", language, shown=NUMBER_MARK).split(NUMBER_MARK)
            shown_note = f'<span class="shown" data-before="{before}" data-after="{after}" hidden></span>'
            sheet.append(f'<div class="group"><div>{heading} {shown_note}</div><div class="sheet">{cards}</div></div>')

    summary = _t(
        "summary", language, photos=len(result.photos), picks=len(selection.picks), groups=len(selection.groups),
        skipped=len(result.photos) - len(selection.picks),
    )
    if config.listed_children:
        names = ", ".join(child.name for child in config.listed_children)
        summary += f'</p><p id="consent">{_t("consent_list", language, names=names)}'
    picks_html = f'<div class="sheet" id="picks">{pick_cards}</div>' if pick_cards else f"<p>{_t('no_picks', language)}</p>"
    return (
        f'<!DOCTYPE html>\n<html lang="{_e(language)}"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        f'<meta name="viewport" content="width=device-width,initial-scale=1"><title>{_t("title", language)}</title>'
        f"<style>{STYLE}</style><script>{SCRIPT}</script></head><body>"
        f"<h1>{_t('title', language)}</h1><p>{summary}</p><p class=\"muted\">{_e(result.root)}</p>"
        f"<h2>{_t('picks', language)}</h2>{picks_html}{_coverage(selection, pictures, language)}"
        f'<h2>{_t("all", language)}</h2>{_controls(result.photos, language)}'
        f'<div class="sheet" id="all">{"".join(sheet)}</div>'
        "</body></html>\n"
    )
