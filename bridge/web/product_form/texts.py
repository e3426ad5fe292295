"""The suggestion form's words in English and Russian (a test keeps both catalogues on the same keys). The
form's script reads the error texts from the page, so the customer sees every error in the page's language."""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "heading": "Suggest an improvement",
        "intro": "Tell us what would make the product better for you. We read every suggestion.",
        "title": "In a few words (optional)",
        "text": "Your suggestion",
        "contact": "E-mail for our answer (optional)",
        "send": "Send suggestion",
        "sending": "Sending…",
        "thanks": "Thank you! Your suggestion is registered as W-{wish}. We will let you know how it progresses.",
        "too_long": "The text is too long: {length} characters, {limit} at most.",
        "empty": "Please describe your suggestion.",
        "rate_limited": "You have sent many suggestions recently. Please try again in {minutes} min.",
        "bad_key": "This form is not set up correctly (its key is not accepted). Please tell the site's "
                   "administrator.",
        "no_customer": "This form does not know which customer you are. Please tell the site's administrator.",
        "invalid": "Please check the form: {message}",
        "failed": "The suggestion could not be sent. Please try again later.",
    },
    "ru": {
        "heading": "Предложить улучшение",
        "intro": "Расскажите, что сделает продукт удобнее для вас. Мы читаем каждое предложение.",
        "title": "Коротко (необязательно)",
        "text": "Ваше предложение",
        "contact": "E-mail для ответа (необязательно)",
        "send": "Отправить предложение",
        "sending": "Отправляем…",
        "thanks": "Спасибо! Ваше предложение зарегистрировано под номером W-{wish}. Мы сообщим, как оно "
                  "продвигается.",
        "too_long": "Слишком длинный текст: {length} символов, допустимо не больше {limit}.",
        "empty": "Опишите, пожалуйста, ваше предложение.",
        "rate_limited": "Вы недавно отправили много предложений. Попробуйте снова через {minutes} мин.",
        "bad_key": "Форма настроена неверно (её ключ не принят). Сообщите, пожалуйста, администратору сайта.",
        "no_customer": "Форма не знает, какой вы клиент. Сообщите, пожалуйста, администратору сайта.",
        "invalid": "Проверьте форму: {message}",
        "failed": "Не удалось отправить предложение. Попробуйте позже.",
    },
}



def language_of(tag: str | None) -> str:
    """The catalogue for a language tag ('ru-RU' → 'ru'); English when there is none for it."""
    language = (tag or "").replace("_", "-").split("-")[0].lower()
    return language if language in TEXTS else "en"
