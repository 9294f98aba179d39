"""What the dashboard (the app) says to the planners who use it, in Vietnamese and English:
the introduction above the controls and the short headings. Plain words only: what the
sliders do, how to read the chart and the map, what the chance of "below 1 %" means, and
that the data are illustrative. Nothing about code or how the app is run.
"""

from __future__ import annotations

import html

from planning.basics.i18n import Lang, label
from planning.basics.numbers import check_lang, fmt_number

__all__ = ["error_html", "intro_html"]

_INTRO: dict[str, tuple[tuple[str, str], ...]] = {
    "vi": (
        ("Bảng này để làm gì?",
         "Thử các phương án phân bổ kinh phí giảm nghèo bền vững 2026–2030 và xem ngay tỷ lệ hộ nghèo của "
         "huyện và từng xã có thể đi đến đâu, so với mục tiêu dưới 1% vào cuối năm 2030."),
        ("Các thanh trượt",
         "Thẻ «Ngân sách và phân bổ»: bên trái là kinh phí mỗi năm của từng hợp phần (triệu đồng/năm); bên "
         "phải là cách chia kinh phí cho các xã và hệ số ưu tiên của từng xã (1 là như kế hoạch, 2 là được "
         "chia gấp đôi, 0 là không chia). Thẻ «Giả định» chứa các giả định chưa chắc chắn, như tốc độ tăng "
         "thu nhập. Thả thanh trượt ra là kết quả được tính lại sau khoảng một giây; nút «Đặt lại» đưa mọi "
         "thứ về kế hoạch ban đầu."),
        ("Đọc biểu đồ",
         "Đường xanh liền là tỷ lệ hộ nghèo toàn huyện dự báo; dải xanh đậm và nhạt là khoảng mà một nửa và "
         "9 trên 10 lần mô phỏng nằm trong đó. Đường cam gạch là lộ trình kế hoạch, từ kết quả rà soát năm "
         "2025 xuống dưới 1% năm 2030; đường đỏ chấm là mục tiêu 1%; các chấm đen là kết quả rà soát các năm "
         "trước. Năm 2027 áp dụng chuẩn nghèo mới (Nghị định 351/2025) nên tỷ lệ tăng lên năm đó: đó là do "
         "đổi chuẩn, không phải do hộ tái nghèo."),
        ("Khả năng đạt dưới 1%",
         "Mô hình tính {draws} lần, mỗi lần với một bộ giả định khác nhau trong khoảng hợp lý. Khả năng đạt "
         "dưới 1% là tỷ lệ số lần mà tỷ lệ hộ nghèo toàn huyện năm 2030 xuống dưới 1%: 40% nghĩa là 4 trong "
         "10 lần."),
        ("Sơ đồ các xã",
         "Mỗi ô là một xã, thị trấn cũ, tô màu theo tỷ lệ hộ nghèo dự báo năm 2030 và theo khả năng dưới 1%; "
         "đây là sơ đồ, không phải bản đồ ranh giới. Nút «Cần gì để đạt dưới 1%?» ở cuối trang tính xem cần "
         "bao nhiêu kinh phí (mất vài giây)."),
        ("Lưu ý",
         "Số liệu nền của huyện và nhiều giả định hiện là số liệu minh hoạ, chưa phải kết quả rà soát thật. "
         "Dùng bảng này để so sánh các phương án với nhau, không dùng các con số làm số liệu chính thức."),
    ),
    "en": (
        ("What is this for?",
         "Try ways of spending the 2026–2030 sustainable poverty-reduction budget and see at once where the "
         "poverty rate of the district and of each commune could go, against the target of below 1% by the "
         "end of 2030."),
        ("The sliders",
         "Tab «Budget and allocation»: on the left, each component's budget per year (million VND a year); "
         "on the right, how the money is shared between communes and each commune's priority (1 is as "
         "planned, 2 gets twice its share, 0 gets nothing). Tab «Assumptions» holds the uncertain "
         "assumptions, such as income growth. When you release a slider the results are worked out again "
         "in about a second; «Reset» brings everything back to the plan."),
        ("Reading the chart",
         "The solid blue line is the projected district poverty rate; the dark and light blue bands hold "
         "half and 9 in 10 of the simulations. The dashed orange line is the plan path, from the 2025 "
         "review down to below 1% in 2030; the dotted red line is the 1% target; the black dots are the "
         "reviews of earlier years. In 2027 the new poverty standard (Decree 351/2025) applies, so the rate "
         "rises that year: that is the change of standard, not households falling back into poverty."),
        ("The chance of below 1%",
         "The model runs {draws} times, each time with a different set of assumptions within a reasonable "
         "range. The chance of below 1% is the share of runs in which the district poverty rate in 2030 is "
         "below 1%: 40% means 4 runs in 10."),
        ("The commune map",
         "Each square is a former commune or township, coloured by its projected 2030 poverty rate and by "
         "its chance of below 1%; it is a schematic, not a boundary map. The button «What would it take to "
         "reach below 1%?» at the bottom works out how much money it would take (a few seconds)."),
        ("Please note",
         "The district's starting figures and many assumptions are illustrative for now, not real review "
         "results. Use this page to compare options with one another, not as official figures."),
    ),
}


def intro_html(lang: Lang = "vi", draws: int = 300) -> str:
    """The dashboard's introduction as HTML (class ``planning-intro``), in ``lang``; ``draws``
    is the number of simulations each answer uses."""
    lang = check_lang(lang)
    items = "".join(f"<p><b>{html.escape(head if head.endswith('?') else head + '.')}</b> "
                    f"{html.escape(text.format(draws=fmt_number(draws, lang)))}</p>"
                    for head, text in _INTRO[lang])
    return f'<div class="planning-intro" style="max-width: 1100px; line-height: 1.45">{items}</div>'


def error_html(exc: Exception, lang: Lang = "vi") -> str:
    """A bad input's bilingual message as the dashboard shows it (in red, escaped)."""
    return (f'<span class="planning-error" style="color:#c0392b">'
            f"{label('dash_error', lang)}: {html.escape(str(exc))}</span>")
