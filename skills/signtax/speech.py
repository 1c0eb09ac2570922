"""Amounts and dates written so that a screen reader reads them correctly in Thai.

    >>> baht_words(Decimal("2457"))
    'สองพันสี่ร้อยห้าสิบเจ็ดบาทถ้วน'
    >>> baht_words(Decimal("21.50"))
    'ยี่สิบเอ็ดบาทห้าสิบสตางค์'
    >>> say_baht(Decimal("1005"))
    '1,005 บาท (หนึ่งพันห้าบาทถ้วน)'
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

DIGITS = ("ศูนย์", "หนึ่ง", "สอง", "สาม", "สี่", "ห้า", "หก", "เจ็ด", "แปด", "เก้า")
PLACES = ("", "สิบ", "ร้อย", "พัน", "หมื่น", "แสน")
MONTHS = ("มกราคม", "กุมภาพันธ์", "มีนาคม", "เมษายน", "พฤษภาคม", "มิถุนายน", "กรกฎาคม",
          "สิงหาคม", "กันยายน", "ตุลาคม", "พฤศจิกายน", "ธันวาคม")


def _below_million(n: int) -> str:
    out = []
    digits = str(n)
    for i, ch in enumerate(digits):
        d, place = int(ch), len(digits) - i - 1
        if d == 0:
            continue
        if place == 0 and d == 1 and len(digits) > 1:
            out.append("เอ็ด")
        elif place == 1 and d == 2:
            out.append("ยี่สิบ")
        elif place == 1 and d == 1:
            out.append("สิบ")
        else:
            out.append(DIGITS[d] + PLACES[place])
    return "".join(out)


def number_words(n: int) -> str:
    """Thai words for a whole number: ``number_words(101) == 'หนึ่งร้อยเอ็ด'``."""
    if n == 0:
        return DIGITS[0]
    millions, rest = divmod(n, 1_000_000)
    head = number_words(millions) + "ล้าน" if millions else ""
    return head + _below_million(rest)


def baht_words(amount: Decimal) -> str:
    satang_total = int((Decimal(amount) * 100).to_integral_value())
    baht, satang = divmod(satang_total, 100)
    words = number_words(baht) + "บาท"
    return words + (number_words(satang) + "สตางค์" if satang else "ถ้วน")


def figure(amount: Decimal) -> str:
    value = Decimal(amount)
    return f"{value:,.0f}" if value == value.to_integral() else f"{value:,.2f}"


def say_baht(amount: Decimal) -> str:
    """Figures for the eye, words for the ear: ``'2,340 บาท (สองพันสามร้อยสี่สิบบาทถ้วน)'``."""
    return f"{figure(amount)} บาท ({baht_words(amount)})"


def thai_date(day: date) -> str:
    """``thai_date(date(2026, 4, 15)) == '15 เมษายน 2569'`` (Buddhist Era year)."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year + 543}"
