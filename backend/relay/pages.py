"""The two pages a donor's phone lands on after Stripe Checkout.

They name the charity and the amount and say what happens next, laid out for a
phone first (a 390 px wide screen, thumb-sized type, nothing to zoom). The
query string is untrusted: the kiosk puts `charity` and `amount` there, and
Checkout adds `session_id`; each is shown only when it is short plain text (or
a well-formed session id), always escaped. The pages promise nothing about the
payment: the webhook, not this redirect, is what confirms a gift.
"""

from __future__ import annotations

import html
import re
from functools import partial

from starlette.requests import Request
from starlette.responses import HTMLResponse

_SESSION_ID = re.compile(r"^cs_(test|live)_[A-Za-z0-9]{1,200}$")
# Letters of any script, digits, spaces and the punctuation of names and amounts: with an
# amount in the donor's language, the no-break spaces French groups and places "$" with
# ("1 234,50 $"), Arabic's decimal and group separators ("٢٥٫٥٠") and the direction marks
# that keep a number and its sign in order.
_PLAIN = re.compile("^[\\w .,'’&()\\-–—:!/+#$€£¥₹%\u00a0\u202f\u066b\u066c\u200e\u200f\u061c]{1,80}$")

_SPACES = re.compile(r"[^\S\u00a0\u202f]+")

_HEADERS = {
    # Nothing external, no scripts; the session id must not leak via Referer.
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}

_PAGE = """<!doctype html>
<html lang="{lang}" dir="{direction}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light">
<title>{title}</title>
<style>
* {{ box-sizing: border-box; }}
html {{ -webkit-text-size-adjust: 100%; }}
body {{ font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0;
       padding: 24px 20px 40px; background: #f7f5f0; color: #1b1b1b; line-height: 1.5;
       font-size: 18px; overflow-wrap: anywhere; }}
main {{ max-width: 34rem; margin: 0 auto; }}
.mark {{ width: 72px; height: 72px; border-radius: 50%; margin: 8px auto 16px;
        display: flex; align-items: center; justify-content: center; font-size: 40px;
        font-weight: 800; color: #fff; background: {accent}; }}
.charity {{ text-align: center; font-size: 17px; font-weight: 700; color: #4a5852;
           letter-spacing: .04em; text-transform: uppercase; margin: 0 0 4px; }}
h1 {{ text-align: center; font-size: 28px; line-height: 1.25; margin: 0 0 12px; }}
.amount {{ text-align: center; font-size: 44px; font-weight: 800; color: #0b5d43;
          margin: 0 0 20px; }}
section {{ background: #fff; border: 1px solid #ddd8cf; border-radius: 16px;
          padding: 16px 20px; margin: 0 0 16px; }}
h2 {{ font-size: 18px; margin: 0 0 8px; }}
ol {{ margin: 0; padding-inline-start: 1.4em; }}
li {{ margin: 0 0 8px; }}
.amount.muted {{ color: #6b6f6c; font-size: 32px; }}
.amount small {{ display: block; font-size: 16px; font-weight: 600; }}
.ref {{ font-size: 14px; color: #555; text-align: center; }}
</style>
</head>
<body>
<main>
<div class="mark" aria-hidden="true">{mark}</div>
{charity}
<h1>{heading}</h1>
{amount}
<section>
<h2>{next_heading}</h2>
<ol>
{steps}
</ol>
</section>
{footer}
</main>
</body>
</html>
"""


# The pages in each language the kiosk ships (backend.settings.SHIPPED_LANGUAGES): the
# kiosk passes the donor's language as `lang`; without it, the phone's Accept-Language.
_TEXT: dict[str, dict[str, str]] = {
    "en": {
        "next": "What happens next",
        "thanks.title": "Thank you",
        "thanks.heading": "Thank you — your gift is being confirmed",
        "thanks.monthly_heading": "Thank you — your monthly gift is being confirmed",
        "thanks.amount": "your gift",
        "thanks.monthly_amount": "every month",
        "thanks.step1": "Stripe confirms your payment, usually within a few seconds.",
        "thanks.step2": "Your gift is then counted in the total for {charity}: look up at the "
                        "kiosk to see it go up.",
        "thanks.monthly_step": "Your card is charged the same amount each month; the receipt "
                               "email tells you how to change or cancel it at any time.",
        "thanks.step3": "If you gave your email, your receipt is on its way to your inbox.",
        "thanks.step4": "You can close this page; there is nothing more to do.",
        "thanks.reference": "Reference: {reference}",
        "thanks.campaign": "the campaign",
        "cancelled.title": "Payment cancelled",
        "cancelled.heading": "No worries — nothing was charged",
        "cancelled.amount": "not charged",
        "cancelled.step1": "Your payment was cancelled before anything was taken.",
        "cancelled.step2": "To give after all, go back to the kiosk and scan a new code: this "
                           "one no longer works.",
        "cancelled.step3": "You can close this page.",
        "gone.title": "Link expired",
        "gone.heading": "This payment link has expired",
        "gone.text": "Nothing was charged. Ask the kiosk for a new code if you would still "
                     "like to give.",
    },
    "es": {
        "next": "Qué pasa ahora",
        "thanks.title": "Gracias",
        "thanks.heading": "Gracias — estamos confirmando tu donativo",
        "thanks.monthly_heading": "Gracias — estamos confirmando tu donativo mensual",
        "thanks.amount": "tu donativo",
        "thanks.monthly_amount": "cada mes",
        "thanks.step1": "Stripe confirma tu pago, normalmente en unos segundos.",
        "thanks.step2": "Después tu donativo se suma al total de {charity}: mira la pantalla "
                        "del quiosco para verlo subir.",
        "thanks.monthly_step": "Se cargará el mismo importe a tu tarjeta cada mes; el correo "
                               "del recibo explica cómo cambiarlo o cancelarlo cuando quieras.",
        "thanks.step3": "Si diste tu correo, el recibo va de camino a tu bandeja de entrada.",
        "thanks.step4": "Puedes cerrar esta página; no hay nada más que hacer.",
        "thanks.reference": "Referencia: {reference}",
        "thanks.campaign": "la campaña",
        "cancelled.title": "Pago cancelado",
        "cancelled.heading": "No pasa nada — no se ha cobrado nada",
        "cancelled.amount": "sin cobrar",
        "cancelled.step1": "Tu pago se canceló antes de cobrar nada.",
        "cancelled.step2": "Si al final quieres donar, vuelve al quiosco y escanea un código "
                           "nuevo: este ya no sirve.",
        "cancelled.step3": "Puedes cerrar esta página.",
        "gone.title": "Enlace caducado",
        "gone.heading": "Este enlace de pago ha caducado",
        "gone.text": "No se ha cobrado nada. Pide un código nuevo en el quiosco si aún "
                     "quieres donar.",
    },
    "fr": {
        "next": "Et maintenant",
        "thanks.title": "Merci",
        "thanks.heading": "Merci — votre don est en cours de confirmation",
        "thanks.monthly_heading": "Merci — votre don mensuel est en cours de confirmation",
        "thanks.amount": "votre don",
        "thanks.monthly_amount": "chaque mois",
        "thanks.step1": "Stripe confirme votre paiement, en général en quelques secondes.",
        "thanks.step2": "Votre don est alors ajouté au total de {charity} : regardez l’écran "
                        "de la borne pour le voir monter.",
        "thanks.monthly_step": "Le même montant sera débité de votre carte chaque mois ; "
                               "l’e-mail du reçu explique comment le modifier ou l’arrêter "
                               "à tout moment.",
        "thanks.step3": "Si vous avez donné votre e-mail, votre reçu arrive dans votre boîte "
                        "de réception.",
        "thanks.step4": "Vous pouvez fermer cette page ; il n’y a rien d’autre à faire.",
        "thanks.reference": "Référence : {reference}",
        "thanks.campaign": "la campagne",
        "cancelled.title": "Paiement annulé",
        "cancelled.heading": "Pas de souci — rien n’a été débité",
        "cancelled.amount": "non débité",
        "cancelled.step1": "Votre paiement a été annulé avant tout débit.",
        "cancelled.step2": "Pour donner quand même, retournez à la borne et scannez un "
                           "nouveau code : celui-ci ne fonctionne plus.",
        "cancelled.step3": "Vous pouvez fermer cette page.",
        "gone.title": "Lien expiré",
        "gone.heading": "Ce lien de paiement a expiré",
        "gone.text": "Rien n’a été débité. Demandez un nouveau code à la borne si vous "
                     "souhaitez toujours donner.",
    },
    "ar": {
        "next": "ماذا يحدث بعد ذلك",
        "thanks.title": "شكرًا لك",
        "thanks.heading": "شكرًا لك — جارٍ تأكيد تبرعك",
        "thanks.monthly_heading": "شكرًا لك — جارٍ تأكيد تبرعك الشهري",
        "thanks.amount": "تبرعك",
        "thanks.monthly_amount": "كل شهر",
        "thanks.step1": "تؤكد Stripe دفعتك، عادةً خلال ثوانٍ قليلة.",
        "thanks.step2": "بعد ذلك يُضاف تبرعك إلى مجموع {charity}: انظر إلى شاشة الكشك "
                        "لتراه يرتفع.",
        "thanks.monthly_step": "يُخصم المبلغ نفسه من بطاقتك كل شهر؛ ويشرح لك بريد الإيصال "
                               "كيف تغيّره أو تلغيه في أي وقت.",
        "thanks.step3": "إذا أعطيت بريدك الإلكتروني، فإيصالك في طريقه إلى صندوق الوارد.",
        "thanks.step4": "يمكنك إغلاق هذه الصفحة؛ لا شيء آخر عليك فعله.",
        "thanks.reference": "المرجع: {reference}",
        "thanks.campaign": "الحملة",
        "cancelled.title": "أُلغي الدفع",
        "cancelled.heading": "لا بأس — لم يُخصم أي مبلغ",
        "cancelled.amount": "لم يُخصم",
        "cancelled.step1": "أُلغيت دفعتك قبل خصم أي مبلغ.",
        "cancelled.step2": "إذا أردت التبرع رغم ذلك، فعد إلى الكشك وامسح رمزًا جديدًا: "
                           "هذا الرمز لم يعد يعمل.",
        "cancelled.step3": "يمكنك إغلاق هذه الصفحة.",
        "gone.title": "انتهت صلاحية الرابط",
        "gone.heading": "انتهت صلاحية رابط الدفع هذا",
        "gone.text": "لم يُخصم أي مبلغ. اطلب رمزًا جديدًا من الكشك إذا كنت لا تزال ترغب "
                     "في التبرع.",
    },
}
_RIGHT_TO_LEFT = {"ar"}


def page_language(request: Request) -> str:
    """The `lang` the kiosk asked for, else the phone's first Accept-Language we have."""
    asked = request.query_params.get("lang", "")
    if asked in _TEXT:
        return asked
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate(request.headers.get("accept-language", "").split(",")[:10]):
        code, _, params = part.partition(";")
        base = code.strip().lower().split("-")[0]  # "fr-CA" -> "fr"; "frr" stays "frr"
        weight = 1.0
        if params.strip().startswith("q="):
            try:
                weight = float(params.strip()[2:])  # a preference, not money
            except ValueError:
                weight = 0.0
        if base in _TEXT and weight > 0:
            ranked.append((-weight, index, base))
    return min(ranked)[2] if ranked else "en"


def page_text(language: str, key: str) -> str:
    return _TEXT.get(language, _TEXT["en"]).get(key) or _TEXT["en"][key]


def page_direction(language: str) -> str:
    return "rtl" if language in _RIGHT_TO_LEFT else "ltr"


def _plain(request: Request, name: str) -> str | None:
    # Runs of spaces and line breaks become one space; the no-break spaces of an amount
    # ("25,50 $") stay, so the sign never wraps to a line of its own.
    value = _SPACES.sub(" ", request.query_params.get(name, "")).strip()
    return value if _PLAIN.fullmatch(value) else None


def _render(request: Request, language: str, *, title: str, heading: str, mark: str,
            accent: str, amount_line: str, steps: list[str], footer: str = "",
            muted: bool = False) -> HTMLResponse:
    charity = _plain(request, "charity")
    amount = _plain(request, "amount")
    muted_class = " muted" if muted else ""
    body = _PAGE.format(
        lang=language, direction=page_direction(language),
        next_heading=html.escape(page_text(language, "next")),
        title=html.escape(title), mark=mark, accent=accent, heading=html.escape(heading),
        charity=f'<p class="charity">{html.escape(charity)}</p>' if charity else "",
        amount=(f'<p class="amount{muted_class}"><bdi>{html.escape(amount)}</bdi>'
                f"<small>{html.escape(amount_line)}</small></p>") if amount else "",
        steps="\n".join(f"<li>{html.escape(step)}</li>" for step in steps),
        footer=footer,
    )
    return HTMLResponse(body, headers={**_HEADERS, "Content-Language": language,
                                       "Vary": "Accept-Language"})


async def thanks(request: Request) -> HTMLResponse:
    language = page_language(request)
    text = partial(page_text, language)
    charity = _plain(request, "charity") or text("thanks.campaign")
    monthly = request.query_params.get("every") == "month"
    session_id = request.query_params.get("session_id", "")
    footer = ""
    if _SESSION_ID.match(session_id):
        footer = ('<p class="ref">' + html.escape(text("thanks.reference")).format(
            reference=f"<bdi>{html.escape(session_id)}</bdi>") + "</p>")
    steps = [text("thanks.step1"), text("thanks.step2").format(charity=charity)]
    if monthly:
        steps.append(text("thanks.monthly_step"))
    steps += [text("thanks.step3"), text("thanks.step4")]
    return _render(
        request, language, title=text("thanks.title"),
        heading=text("thanks.monthly_heading" if monthly else "thanks.heading"),
        mark="♥", accent="#0b6e4f",
        amount_line=text("thanks.monthly_amount" if monthly else "thanks.amount"),
        steps=steps, footer=footer)


async def cancelled(request: Request) -> HTMLResponse:
    language = page_language(request)
    text = partial(page_text, language)
    return _render(
        request, language, title=text("cancelled.title"), heading=text("cancelled.heading"),
        mark="✓", accent="#2e5aac", amount_line=text("cancelled.amount"), muted=True,
        steps=[text("cancelled.step1"), text("cancelled.step2"), text("cancelled.step3")])
