"""The few fixed words reports print, in English and Russian."""

from __future__ import annotations

WORDS: dict[str, dict[str, str]] = {
    "en": {
        "none": "(none)", "topic": "Topic", "category": "Category", "subcategory": "Subcategory",
        "period": "Period", "start": "Start", "count": "Count", "total": "Total", "change": "Change",
        "change_pct": "Change %", "tickets": "Tickets", "wishes": "Wishes", "week": "week", "month": "month",
        "quarter": "quarter", "top_growing": "Top growing topics", "no_growth": "no topic grew",
        "by": "by", "in": "in", "released": "released", "before": "before",
        "after": "after", "wk": "wk", "a_week": "a week", "released_epics": "Released epics",
    },
    "ru": {
        "none": "(не указано)", "topic": "Тема", "category": "Категория", "subcategory": "Подкатегория",
        "period": "Период", "start": "Начало", "count": "Количество", "total": "Итого", "change": "Изменение",
        "change_pct": "Изменение, %", "tickets": "Обращения", "wishes": "Пожелания", "week": "неделя",
        "month": "месяц", "quarter": "квартал", "top_growing": "Быстрее всего растут",
        "no_growth": "роста нет", "by": "по периодам:", "in": "за", "released": "выпущен",
        "before": "до", "after": "после", "wk": "нед.", "a_week": "в неделю",
        "released_epics": "Выпущенные эпики",
    },
}


def word(key: str, language: str) -> str:
    """`key` in `language`, English when the language is not known."""
    return WORDS.get(language, WORDS["en"])[key]
