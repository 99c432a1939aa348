from kc.channels.email.parse import parse_message
from kc.channels.email.sanitize import LINK_REL, html_to_text, sanitize_html
from kc.channels.tests.conftest import fixture_bytes


def cid_url(content_id: str) -> str | None:
    return f"/mail/inline/{content_id}/" if content_id == "logo@example.com" else None


def test_script_mail_is_defused():
    html = parse_message(fixture_bytes("script-html.eml")).html
    clean = sanitize_html(html, cid_url)
    for bad in (
        "<script",
        "alert",
        "onload",
        "onclick",
        "onerror",
        "<style",
        "<iframe",
        "<form",
        "<input",
        "javascript:",
        "tracker.example",
        "evil.example",
    ):
        assert bad not in clean, bad
    assert f'href="https://stadtwerke.example/info" target="_blank" rel="{LINK_REL}"' in clean
    assert '<img src="/mail/inline/logo@example.com/">' in clean
    assert '<td colspan="2">Zelle</td>' in clean


def test_remote_and_data_images_are_removed_keeping_alt_text_escaped():
    clean = sanitize_html(
        '<img src="https://x.example/p.gif" alt="Logo"><img src="data:image/png;base64,AA==" '
        'alt="<b>x</b>"><img src="cid:unknown@x" alt="">',
        cid_url,
    )
    assert "<img" not in clean
    assert "Logo" in clean
    assert "&lt;b&gt;x&lt;/b&gt;" in clean


def test_cid_images_without_callback_are_removed():
    assert "<img" not in sanitize_html('<img src="cid:logo@example.com">')


def test_basic_formatting_kept_and_styles_dropped():
    clean = sanitize_html(
        '<p style="background:url(https://t.example/a)" class="x"><strong>fett</strong> '
        "<em>kursiv</em></p><ul><li>eins</li></ul><blockquote>zitat</blockquote><!-- c -->"
    )
    assert clean == (
        "<p><strong>fett</strong> <em>kursiv</em></p><ul><li>eins</li></ul>"
        "<blockquote>zitat</blockquote>"
    )


def test_html_to_text():
    text = html_to_text(
        "<p>Guten&nbsp;Tag,</p><p>Zähler <b>kaputt</b><br>Grüße</p><script>x</script>"
    )
    assert text == "Guten Tag,\nZähler kaputt\nGrüße"
