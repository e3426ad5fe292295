"""The sidebar's words in English and Russian; both catalogues hold the same keys (a test keeps them in step)."""

from __future__ import annotations

from collections.abc import Callable

TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "title": "Wishbridge",
        "denied.title": "Not verified",
        "denied.text": "This request could not be verified, so nothing is shown. Reopen the ticket; if it keeps "
                       "happening, ask your administrator to check the Wishbridge app settings.",
        "unknown.title": "Ticket not in Wishbridge yet",
        "unknown.text": "Wishbridge has not read ticket {ticket} yet. It appears after the next sync "
                        "(every few minutes); reopen the sidebar then.",
        "wish": "Wish",
        "group": "Group",
        "stage": "Stage",
        "size": "Asked by",
        "size.value": "{organizations} organisations, {tickets} tickets",
        "epic": "Jira epic",
        "epic.none": "No epic yet",
        "last_message": "Last message to the customer",
        "last_message.none": "Nothing sent to the customer yet.",
        "no_wish": "This ticket is not a wish yet.",
        "register": "Register as a new wish",
        "register.hint": "The wish takes the ticket's subject and text:",
        "suggestions": "Similar wishes",
        "suggestions.none": "No similar wishes found.",
        "attach": "Attach to this wish",
        "note": "Note for the analyst",
        "note.placeholder": "What should the analyst know?",
        "note.send": "Add note",
        "your_name": "Your name (for the audit trail)",
        "done.register": "Registered: this ticket is now a wish in group #{group}.",
        "done.attach": "Attached to group #{group}.",
        "done.note": "Your note was added to group #{group}.",
        "expired": "This sidebar session has expired. Reopen the ticket to continue.",
        "name_required": "Please enter your name: it goes into the audit trail.",
        "state.new": "New, not reviewed yet",
        "state.grouped": "Grouped, waiting for review",
        "state.in_analysis": "In analysis",
        "state.approved": "Approved, handed to development",
        "state.declined": "Declined",
        "state.deferred": "Deferred",
        "state.done": "Released",
        "state.merged": "Merged into another group",
    },
    "ru": {
        "title": "Wishbridge",
        "denied.title": "Запрос не подтверждён",
        "denied.text": "Не удалось проверить подпись запроса, поэтому ничего не показано. Откройте обращение "
                       "заново; если ошибка повторяется, попросите администратора проверить настройки "
                       "приложения Wishbridge.",
        "unknown.title": "Обращения ещё нет в Wishbridge",
        "unknown.text": "Wishbridge ещё не прочитал обращение {ticket}. Оно появится после следующей "
                        "синхронизации (через несколько минут) — тогда откройте панель снова.",
        "wish": "Пожелание",
        "group": "Группа",
        "stage": "Этап",
        "size": "Просят",
        "size.value": "организаций: {organizations}, обращений: {tickets}",
        "epic": "Эпик в Jira",
        "epic.none": "Эпика пока нет",
        "last_message": "Последнее сообщение клиенту",
        "last_message.none": "Клиенту пока ничего не отправлено.",
        "no_wish": "Это обращение пока не пожелание.",
        "register": "Зарегистрировать как новое пожелание",
        "register.hint": "Пожелание возьмёт тему и текст обращения:",
        "suggestions": "Похожие пожелания",
        "suggestions.none": "Похожих пожеланий не нашлось.",
        "attach": "Присоединить к этому пожеланию",
        "note": "Заметка для аналитика",
        "note.placeholder": "Что важно знать аналитику?",
        "note.send": "Добавить заметку",
        "your_name": "Ваше имя (для журнала действий)",
        "done.register": "Готово: обращение стало пожеланием в группе №{group}.",
        "done.attach": "Присоединено к группе №{group}.",
        "done.note": "Заметка добавлена в группу №{group}.",
        "expired": "Сеанс панели истёк. Откройте обращение заново.",
        "name_required": "Укажите своё имя: оно попадёт в журнал действий.",
        "state.new": "Новое, ещё не рассмотрено",
        "state.grouped": "В группе, ждёт рассмотрения",
        "state.in_analysis": "В анализе",
        "state.approved": "Одобрено, передано в разработку",
        "state.declined": "Отклонено",
        "state.deferred": "Отложено",
        "state.done": "Выпущено",
        "state.merged": "Объединено с другой группой",
    },
}


def translator(locale: str) -> Callable[..., str]:
    """`_("key", name=value)` in `locale` (English for an unknown locale)."""
    catalogue = TEXTS.get(locale, TEXTS["en"])

    def translate(key: str, **values: object) -> str:
        text = catalogue[key]
        return text.format(**values) if values else text

    return translate
