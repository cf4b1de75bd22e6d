"""render_markdown: teacher-written (untrusted) Markdown becomes safe HTML, and only that."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from html.parser import HTMLParser

import jinja2
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markupsafe import Markup

from daoshi.site.markdown import ALLOWED_TAGS, ALLOWED_URL_SCHEMES, render_markdown

PROPERTY = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
REL = "noopener noreferrer nofollow"


class _Parsed(HTMLParser):
    """Every start tag with its attributes, and the text a browser would show."""

    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.ends: list[str] = []
        self.text: list[str] = []
        self.comments: list[str] = []
        self.feed(source)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))

    def handle_endtag(self, tag: str) -> None:
        self.ends.append(tag)

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def handle_comment(self, data: str) -> None:
        self.comments.append(data)

    def unknown_decl(self, data: str) -> None:  # pragma: no cover - must never happen
        raise AssertionError(f"declaration in output: {data!r}")

    @property
    def visible(self) -> str:
        return "".join(self.text)


def assert_safe(out: Markup) -> _Parsed:
    """What must never survive, whatever the input."""
    assert isinstance(out, Markup)
    source = str(out)
    lowered = source.lower()
    for tag in ("<script", "<iframe", "<svg", "<img", "<style", "<form", "<input", "<math"):
        assert tag not in lowered
    for tag in ("<object", "<embed", "<base", "<meta", "<link", "<div", "<span", "<h1", "<h2"):
        assert tag not in lowered
    parsed = _Parsed(source)
    assert parsed.comments == []
    for tag, attrs in parsed.tags:
        assert tag in ALLOWED_TAGS, tag
        names = [name for name, _ in attrs]
        assert not any(re.fullmatch(r"on[a-z]+", name) for name in names), (tag, attrs)
        assert "style" not in names and "class" not in names and "id" not in names
        allowed = {"a": {"href", "rel"}, "abbr": {"title"}}.get(tag, set())
        assert set(names) <= allowed, (tag, attrs)
        if tag == "a":
            values = dict(attrs)
            assert values["rel"] == REL
            href = values.get("href")
            if href is not None:
                assert "javascript:" not in href.lower()
                scheme = href.split(":", 1)[0].lower()
                assert scheme in ALLOWED_URL_SCHEMES, href
    # The visible text can never be read as a template: braces are character references.
    assert "{" not in source and "}" not in source
    return parsed


# Hostile input, and a piece of its text that must still be there for the reader (escaped, as
# text) — or None where dropping everything is the right outcome.
HOSTILE: list[tuple[str, str, str | None]] = [
    ("script", "<script>alert(1)</script>", "<script>alert(1)</script>"),
    ("script-upper", "<SCRIPT SRC=//evil/x.js></SCRIPT>", "<SCRIPT SRC=//evil/x.js>"),
    ("img-onerror", "<img src=x onerror=alert(1)>", "<img src=x onerror=alert(1)>"),
    ("a-javascript", '<a href="javascript:alert(1)">点我</a>', "点我"),
    ("md-javascript", "[点我](javascript:alert(1))", "点我"),
    ("md-javascript-mixed-case", "[点我](JaVaScRiPt:alert(1))", "点我"),
    ("md-javascript-entity", "[点我](&#106;avascript:alert(1))", "点我"),
    ("md-javascript-hex-entity", "[点我](&#x6A;avascript&#x3A;alert(1))", "点我"),
    ("a-javascript-entity", '<a href="&#106;avascript:alert(1)">点我</a>', "点我"),
    ("a-javascript-tab", '<a href="java&#x09;script:alert(1)">点我</a>', "点我"),
    ("a-javascript-nul", '<a href="&#0;javascript:alert(1)">点我</a>', "点我"),
    ("a-javascript-space", '<a href=" javascript:alert(1)">点我</a>', "点我"),
    ("md-vbscript", "[点我](vbscript:msgbox(1))", "点我"),
    ("md-data", "[点我](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)", "点我"),
    ("md-reference-javascript", "[点我][x]\n\n[x]: javascript:alert(1)", "点我"),
    ("md-image", "![看](http://evil.example/beacon.png)", None),
    ("md-image-onerror", '![x](x" onerror="alert(1))', None),
    ("iframe", '<iframe src="http://evil.example/"></iframe>', '<iframe src="http://evil'),
    ("svg-onload", "<svg onload=alert(1)>", "<svg onload=alert(1)>"),
    ("svg-script", "<svg><script>alert(1)</script></svg>", "alert(1)"),
    ("div-style-onclick", '<div style="color:red" onclick="alert(1)">你好</div>', "你好"),
    ("attr-list-onclick", '这是一段话。\n{: onclick="alert(1)"}', '{: onclick="alert(1)"}'),
    ("attr-list-class", "这是一段话。\n{: .danger #x style='color:red'}", "{: .danger"),
    ("attr-list-heading", "# 标题 {: onclick=alert(1) }", "{: onclick=alert(1) }"),
    ("math", "<math><maction actiontype=statusline>x</maction></math>", "x"),
    ("comment-payload", "<!-- <script>alert(1)</script> -->正文", "正文"),
    ("comment-conditional", "<!--[if IE]><script>alert(1)</script><![endif]-->正文", "正文"),
    ("comment-unclosed", "<!-- <img src=x onerror=alert(1)>", "<img src=x"),
    ("a-target-onmouseover", '<a href="http://x" target=_blank onmouseover=alert(1)>x</a>', "x"),
    ("b-style-class-on", '<b style="x" class="y" id="z" onclick="alert(1)">粗</b>', "粗"),
    ("form-input", '<form action="http://evil"><input name=q></form>', "<input name=q>"),
    ("style", "<style>body{display:none}</style>", "body{display:none}"),
    ("base-href", '<base href="http://evil.example/">', "<base href="),
    ("meta-refresh", '<meta http-equiv="refresh" content="0;url=http://evil">', "<meta"),
    ("link-stylesheet", '<link rel=stylesheet href="http://evil/x.css">', "<link"),
    ("object-embed", '<object data="x.swf"></object><embed src="x.swf">', "<object"),
    ("nested-script", "<scr<script>ipt>alert(1)</script>", "alert(1)"),
    ("unclosed-tags", "<b><i><u>未闭合", "未闭合"),
    ("unclosed-a", '<a href="https://example.edu.cn">未闭合', "未闭合"),
    ("quote-breakout", '<a href="https://x" title="a"onclick="alert(1)">x</a>', "x"),
    ("attr-in-closing", '<b>x</b onclick="alert(1)">', "x"),
    ("cdata", "<![CDATA[<script>alert(1)</script>]]>", "alert(1)"),
    ("processing-instruction", "<?php system('id'); ?>", "system"),
    ("textarea", "<textarea><script>alert(1)</script></textarea>", "alert(1)"),
    ("noscript", "<noscript><p title='</noscript><img src=x onerror=alert(1)>'>", "alert(1)"),
    ("template", "<template><script>alert(1)</script></template>", "alert(1)"),
    ("code-span", "`<script>alert(1)</script>`", "<script>alert(1)</script>"),
    ("fenced", '```html\n<img src=x onerror="alert(1)">\n```', "<img src=x"),
    ("table-cell", "| a |\n|---|\n| <img src=x onerror=alert(1)> |", "<img src=x"),
    ("autolink-javascript", "<javascript:alert(1)>", "alert(1)"),
    ("jinja", "{{ config.__class__.__init__.__globals__ }}{% for x in y %}", "{{ config"),
    ("control-chars", "\x02klzzwxh:0000\x03<script>\x00alert(1)</script>", "alert(1)"),
]


@pytest.mark.parametrize(
    ("source", "kept"), [pytest.param(s, k, id=name) for name, s, k in HOSTILE]
)
def test_hostile_input_is_neutralised(source: str, kept: str | None) -> None:
    parsed = assert_safe(render_markdown(source))
    if kept is not None:
        assert kept in parsed.visible


def test_a_dangerous_link_keeps_its_text_but_loses_its_href() -> None:
    assert render_markdown("[点我](javascript:alert(1))") == f'<p><a rel="{REL}">点我</a></p>'


def test_allowed_raw_tags_keep_only_allowed_attributes() -> None:
    out = render_markdown('<a href="http://x" target=_blank onmouseover=alert(1)>x</a>')
    assert out == f'<p><a href="http://x" rel="{REL}">x</a></p>'
    out = render_markdown('<b style="x" class="y" onclick="alert(1)">粗</b>')
    assert out == "<p><b>粗</b></p>"


def test_disallowed_html_is_shown_as_text_not_markup() -> None:
    out = render_markdown("<script>alert(1)</script>")
    assert out == "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"


def test_attribute_list_syntax_stays_literal() -> None:
    out = render_markdown('这是一段话。\n{: onclick="alert(1)"}')
    assert out == '<p>这是一段话。<br>\n&#123;: onclick="alert(1)"&#125;</p>'


# Positive cases.


def test_chinese_paragraph_with_bold_round_trips() -> None:
    text = "今天和**小明**在走廊谈话，他说：“我会努力！”（下周再谈）；——好的……"
    out = render_markdown(text)
    assert out == (
        "<p>今天和<strong>小明</strong>在走廊谈话，他说：“我会努力！”（下周再谈）；——好的……</p>"
    )
    assert_safe(out)


def test_plain_chinese_text_is_unchanged() -> None:
    text = "她与同学发生了口角，引导她学会换位思考。她态度诚恳，答应下周向我汇报进展。"
    assert render_markdown(text) == f"<p>{text}</p>"


def test_lists() -> None:
    assert render_markdown("- 按时完成作业\n- 每周整理错题本") == (
        "<ul>\n<li>按时完成作业</li>\n<li>每周整理错题本</li>\n</ul>"
    )
    assert render_markdown("1. 第一\n2. 第二") == "<ol>\n<li>第一</li>\n<li>第二</li>\n</ol>"


def test_a_line_break_is_kept() -> None:
    assert render_markdown("第一行\n第二行") == "<p>第一行<br>\n第二行</p>"


def test_paragraphs() -> None:
    assert render_markdown("第一段。\n\n第二段。") == "<p>第一段。</p>\n<p>第二段。</p>"


def test_a_safe_link_gets_rel_forced() -> None:
    out = render_markdown('[学校主页](https://example.edu.cn/a?b=1&c=2 "标题")')
    assert out == (
        f'<p><a href="https://example.edu.cn/a?b=1&amp;c=2" rel="{REL}">学校主页</a></p>'
    )
    assert render_markdown('<a href="http://x" rel="opener">x</a>') == (
        f'<p><a href="http://x" rel="{REL}">x</a></p>'
    )
    assert render_markdown("<t001@example.edu.cn>") == (
        f'<p><a href="mailto:t001@example.edu.cn" rel="{REL}">t001@example.edu.cn</a></p>'
    )


def test_relative_and_scheme_less_links_lose_their_href() -> None:
    for target in ("/admin", "#top", "//evil.example/x", "www.example.com", "ftp://x/y"):
        assert render_markdown(f"[x]({target})") == f'<p><a rel="{REL}">x</a></p>', target


def test_headings_are_demoted_below_the_page_headings() -> None:
    assert render_markdown("# 谈话记录") == "<h3>谈话记录</h3>"
    assert render_markdown("## 背景") == "<h4>背景</h4>"
    assert render_markdown("### 细节") == "<h5>细节</h5>"
    assert render_markdown("#### 更细\n\n###### 最细") == "<h6>更细</h6>\n<h6>最细</h6>"
    assert render_markdown("标题\n===\n\n副标题\n---") == "<h3>标题</h3>\n<h4>副标题</h4>"
    assert "&lt;h1&gt;" in render_markdown("<h1>raw</h1>")


def test_jinja_syntax_is_literal_text_never_evaluated() -> None:
    out = render_markdown("{{ 7*7 }} 和 {% for x in y %}{{ x }}{% endfor %}")
    assert "49" not in out
    assert _Parsed(str(out)).visible == "{{ 7*7 }} 和 {% for x in y %}{{ x }}{% endfor %}"
    page = jinja2.Environment(autoescape=True).from_string("<div>{{ body }}</div>")
    rendered = page.render(body=out)
    assert rendered == f"<div>{out}</div>"  # Markup: not escaped a second time
    assert "49" not in rendered
    # Even pasted into a template *source* by mistake, nothing is evaluated.
    assert jinja2.Environment().from_string(str(out)).render() == str(out)


def test_raw_inline_tags_from_the_allow_list() -> None:
    out = render_markdown("<u>下划线</u> <del>删去</del> <ins>补充</ins> <s>作废</s> a<br>b<BR/>c")
    assert out == ("<p><u>下划线</u> <del>删去</del> <ins>补充</ins> <s>作废</s> a<br>b<br>c</p>")


def test_angle_brackets_meant_as_text_are_kept() -> None:
    text = "读了<Harry Potter>和<红楼梦>；成绩<60分；List<String>；区间 <a, b>"
    assert _Parsed(str(render_markdown(text))).visible == text


def test_the_daoshi_new_hint_comment_is_dropped() -> None:
    body = "<!-- 谈话内容（必填）：写下谈了什么 -->\n今天谈了学习计划。"
    assert render_markdown(body) == "<p>今天谈了学习计划。</p>"
    assert render_markdown("<!-- 只有提示 -->\n") == ""


def test_tables_code_definition_lists_and_abbreviations() -> None:
    table = render_markdown("| 科目 | 分数 |\n|:---|---:|\n| 数学 | 95 |")
    assert "<th>科目</th>" in table and "<td>95</td>" in table
    assert_safe(table)
    code = render_markdown("```python\nif a < b: print({1})\n```")
    assert code == "<pre><code>if a &lt; b: print(&#123;1&#125;)\n</code></pre>"
    assert render_markdown("作息\n:   早睡早起") == "<dl>\n<dt>作息</dt>\n<dd>早睡早起</dd>\n</dl>"
    abbr = render_markdown("*[PTA]: 家长教师协会\n\nPTA 开会")
    assert abbr == '<p><abbr title="家长教师协会">PTA</abbr> 开会</p>'


def test_empty_and_whitespace_only_give_empty_markup() -> None:
    for text in ("", " ", "\n\n", " \t\n\u3000\r\n", "\x00\x01"):
        out = render_markdown(text)
        assert isinstance(out, Markup)
        assert out == ""


def test_long_text() -> None:
    paragraph = "她与同学发生了口角，引导她学会换位思考。" * 50
    text = "\n\n".join([paragraph] * 100)
    out = render_markdown(text)
    assert out == "\n".join([f"<p>{paragraph}</p>"] * 100)


def test_deterministic_and_independent_of_previous_calls() -> None:
    text = "*[PTA]: 家长教师协会\n\n# 记录\n\nPTA **开会**\n\n- 一\n- 二"
    first = render_markdown(text)
    render_markdown("*[学校]: 别的定义\n\n学校 PTA")
    assert render_markdown(text) == first
    # No abbreviation (or anything else) leaks from an earlier call.
    assert render_markdown("学校 PTA") == "<p>学校 PTA</p>"


def test_threads_get_the_same_output() -> None:
    texts = [f"# 第{i}条\n\n今天和**小明**谈话。\n第{i}行" for i in range(200)]
    expected = [render_markdown(t) for t in texts]
    with ThreadPoolExecutor(max_workers=8) as pool:
        assert list(pool.map(render_markdown, texts)) == expected


# Property tests.

FRAGMENTS = st.sampled_from(
    [source for _, source, _ in HOSTILE]
    + ["<", ">", "&", '"', "'", "`", "[", "]", "(", ")", "{", "}", ":", "=", "\n", "\n\n"]
    + ["<a href=", "<b ", "<br", "</", "<!--", "-->", "javascript:", "on", "onclick=", "# "]
    + ["**", "_", "- ", "1. ", "> ", "    ", "```", "|", "---", "*[", "]: ", "\\", "&#", ";"]
    + ["谈话", "，", "。", "“", "”", "（", "）", "{{ 7*7 }}", "{%", "%}", "{:", "http://x"]
)
HOSTILE_TEXT = st.lists(st.one_of(FRAGMENTS, st.text(max_size=5)), max_size=30).map("".join)


@PROPERTY
@given(text=st.text(max_size=300))
def test_arbitrary_text_is_safe_and_deterministic(text: str) -> None:
    out = render_markdown(text)
    assert_safe(out)
    assert render_markdown(text) == out


@PROPERTY
@given(text=HOSTILE_TEXT)
def test_hostile_mixtures_are_safe_and_deterministic(text: str) -> None:
    out = render_markdown(text)
    assert_safe(out)
    assert render_markdown(text) == out


CHINESE = st.text(
    alphabet=st.one_of(
        st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),
        st.sampled_from("，。、；：？！“”‘’（）《》【】—…·～"),
    ),
    min_size=1,
    max_size=300,
)


@PROPERTY
@given(text=CHINESE)
def test_chinese_text_and_full_width_punctuation_round_trip(text: str) -> None:
    assert render_markdown(text) == f"<p>{text}</p>"
