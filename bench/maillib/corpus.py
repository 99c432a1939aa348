"""A deterministic corpus of inbound mails in the shapes a utility's service desk gets.

`build_corpus(n, seed)` returns n raw RFC 5322 messages (bytes). The mix, by share:

- plain text (UTF-8, 8bit)                          30 %
- quoted-printable latin-1                          12 %
- multipart/alternative text + HTML                 18 %
- HTML with an inline image (multipart/related)      6 %
- PDF attachment of ~100 KB                          4 %
- replies (In-Reply-To/References to earlier mails) 20 %
- auto-replies (Auto-Submitted, out of office)       6 %
- plus: ~10 % of senders are known customers (KNOWN_CUSTOMERS), subjects with German
  umlauts are RFC 2047 encoded (the email package does that for non-ASCII headers).
"""

import datetime
import random
import struct
import zlib
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime

DOMAIN = "bench.example.org"
TO = "kundenservice@stadtwerke.example"
KNOWN_CUSTOMERS = tuple(f"kunde{i:03d}@kunden.example.net" for i in range(50))

FIRST = ("Jürgen", "Sabine", "Özlem", "Klaus", "Maria", "Björn", "Anna", "Günther", "Leni", "Ali")
LAST = ("Müller", "Schäfer", "Weiß", "Groß", "Schmidt", "Köhler", "Yılmaz", "Becker", "Hoß")
SUBJECTS = (
    "Frage zur Jahresrechnung {y}",
    "Zählerstand für Zähler 1ESY{n:08d}",
    "Abschlagsänderung gewünscht",
    "Umzug zum {d}. März – Kündigung",
    "Beschwerde über Stromausfall in der Südstraße",
    "SEPA-Lastschriftmandat ändern",
    "Rückfrage: Gutschrift über {n} €",
    "Störung Fernwärme Übergabestation",
    "Tarifwechsel Ökostrom",
    "Bitte um Rückruf",
)
LINES = (
    "Sehr geehrte Damen und Herren,",
    "ich habe eine Frage zu meiner letzten Rechnung.",
    "Der Zählerstand am 31.12. betrug {n} kWh.",
    "Bitte ändern Sie meinen Abschlag auf {d} € monatlich.",
    "Leider ist die Gutschrift noch nicht auf meinem Konto eingegangen.",
    "Ich ziehe zum Monatsende um und möchte den Vertrag übernehmen lassen.",
    "Können Sie mir bitte die Verbrauchsübersicht schicken?",
    "Die Heizung bleibt seit gestern kalt, die Übergabestation zeigt Störung.",
    "Mit freundlichen Grüßen",
)


def _png(rng: random.Random, size: int = 32) -> bytes:
    """A small valid PNG (noise) — deterministic from rng."""
    raw = b"".join(b"\x00" + rng.randbytes(size * 3) for _ in range(size))

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def _pdf(rng: random.Random, size: int = 100_000) -> bytes:
    """Bytes shaped like a scanned PDF of ~size bytes (header, binary stream, trailer)."""
    stream = rng.randbytes(size - 200)
    return (
        b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<</Length "
        + str(len(stream)).encode()
        + b">>stream\n"
        + stream
        + b"\nendstream endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    )


class _Writer:
    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.rng = random.Random(seed)
        self.sent: list[tuple[str, str, str]] = []  # (message-id, sender, subject)
        self.start = datetime.datetime(2026, 3, 2, 7, 0, tzinfo=datetime.UTC)
        self.pdf = _pdf(random.Random(seed + 1))

    def person(self) -> tuple[str, str]:
        rng = self.rng
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        if rng.random() < 0.10:
            return name, rng.choice(KNOWN_CUSTOMERS)
        return name, f"absender{rng.randrange(100_000):05d}@mail{rng.randrange(20)}.example.com"

    def subject(self) -> str:
        rng = self.rng
        return rng.choice(SUBJECTS).format(
            y=rng.choice((2024, 2025)), n=rng.randrange(10**8), d=rng.randrange(1, 29)
        )

    def text(self, lines: int = 4) -> str:
        rng = self.rng
        body = [LINES[0]] + [
            rng.choice(LINES[1:-1]).format(n=rng.randrange(1000, 99999), d=rng.randrange(20, 300))
            for _ in range(lines)
        ]
        return "\n\n".join(body) + "\n\n" + LINES[-1] + "\n"

    def headers(self, msg: EmailMessage, i: int, name: str, addr: str, subject: str) -> str:
        msgid = f"<{self.seed}.{i}.mail@{DOMAIN}>"
        msg["From"] = f"{name} <{addr}>"
        msg["To"] = TO
        msg["Subject"] = subject
        msg["Date"] = format_datetime(self.start + datetime.timedelta(seconds=37 * i))
        msg["Message-ID"] = msgid
        return msgid

    def build(self, i: int) -> bytes:
        rng = self.rng
        roll = rng.random()
        name, addr = self.person()
        subject = self.subject()
        extra: dict[str, str] = {}
        if roll < 0.20 and self.sent:  # reply to an earlier mail of the corpus
            parent_id, addr, parent_subject = self.sent[
                rng.randrange(max(0, len(self.sent) - 500), len(self.sent))
            ]
            subject = "AW: " + parent_subject.removeprefix("AW: ")
            extra = {"In-Reply-To": parent_id, "References": parent_id}
            kind = "plain"
        elif roll < 0.26:
            kind = "auto"
            subject = "Automatische Antwort: Abwesenheit bis " + f"{rng.randrange(1, 29)}.04."
            extra = {"Auto-Submitted": "auto-replied", "X-Autoreply": "yes"}
        elif roll < 0.56:
            kind = "plain"
        elif roll < 0.68:
            kind = "latin1"
        elif roll < 0.86:
            kind = "alternative"
        elif roll < 0.92:
            kind = "inline"
        elif roll < 0.96:
            kind = "pdf"
        else:
            kind = "plain"
        msg = EmailMessage()
        text = self.text(rng.randrange(2, 8))
        if kind == "latin1":
            latin = text.replace("€", "EUR")
            msg.set_content(latin, charset="iso-8859-1", cte="quoted-printable")
        elif kind == "alternative":
            msg.set_content(text)
            msg.add_alternative(_html(text), subtype="html")
        elif kind == "inline":
            cid = f"<{self.seed}.{i}.img@{DOMAIN}>"
            msg.set_content(text)
            msg.add_alternative(_html(text, cid=cid[1:-1]), subtype="html")
            parts = msg.get_payload()
            html_part = parts[1] if isinstance(parts, list) else None
            if not isinstance(html_part, EmailMessage):
                raise TypeError("multipart/alternative without its HTML part")
            html_part.add_related(
                _png(rng), maintype="image", subtype="png", cid=cid, filename="zaehler.png"
            )
        elif kind == "pdf":
            msg.set_content(text)
            msg.add_attachment(
                self.pdf, maintype="application", subtype="pdf", filename=f"Rechnung-{i}.pdf"
            )
        else:
            msg.set_content(text)
        msgid = self.headers(msg, i, name, addr, subject)
        for key, value in extra.items():
            msg[key] = value
        if kind != "auto":
            self.sent.append((msgid, addr, subject))
        for n, part in enumerate(p for p in msg.walk() if p.is_multipart()):
            part.set_boundary(f"=_kc-bench-{self.seed}-{i}-{n}")  # not random: deterministic
        return msg.as_bytes(policy=SMTP)


def _html(text: str, cid: str | None = None) -> str:
    paras = "".join(f"<p>{p.replace(chr(10), '<br>')}</p>" for p in text.split("\n\n"))
    image = f'<p><img src="cid:{cid}" alt="Zählerfoto"></p>' if cid else ""
    return (
        "<html><head><style>p{font-family:Arial}</style></head><body>"
        f'<div class="WordSection1">{paras}{image}</div>'
        "<script>alert(1)</script></body></html>"
    )


def build_corpus(n: int, seed: int = 1) -> list[bytes]:
    writer = _Writer(seed)
    return [writer.build(i) for i in range(n)]


def describe(corpus: list[bytes]) -> str:
    total = sum(len(m) for m in corpus)
    return f"{len(corpus):,} mails, {total / 1e6:,.1f} MB"
