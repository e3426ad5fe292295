"""Every text Wishbridge shows people, in each of LANGUAGES: the admin pages, the ticket sidebar, the product's
suggestion form and the reports. Customer messages are not here (admins edit them in mappings/messages.yaml),
only the standard reasons they quote (`reason.<code>`, bridge/text/reasons.py).

CATALOGUE holds the texts by area (one data structure, one key space: a key names its text in every area's
readers), each key with its text per language. `translate` is the one lookup; `label` names our own values (a
state, a segment) and passes anything else through as data. Texts may hold str.format placeholders.
"""

from __future__ import annotations

from collections.abc import Callable

LANGUAGES = ("en", "ru")
DEFAULT = "en"

CATALOGUE: dict[str, dict[str, dict[str, str]]] = {
    "values": {
        "outbox.pending": {"en": "pending", "ru": "ожидает"},
        "outbox.claimed": {"en": "in progress", "ru": "в работе"},
        "outbox.done": {"en": "done", "ru": "выполнено"},
        "outbox.dead": {"en": "dead", "ru": "не доставлено"},
        "outbox.superseded": {"en": "replaced by a newer message", "ru": "заменено более новым сообщением"},
        "outbox.kind.ticket_patch": {"en": "message to the ticket", "ru": "сообщение в обращение"},
        "outbox.kind.create_epic": {"en": "create the epic", "ru": "создать эпик"},
        "outbox.kind.update_epic": {"en": "update the epic", "ru": "обновить эпик"},
        "outbox.kind.link_ticket": {"en": "link a ticket to the epic", "ru": "связать обращение с эпиком"},
        "period.week": {"en": "weeks", "ru": "недели"},
        "period.month": {"en": "months", "ru": "месяцы"},
        "period.quarter": {"en": "quarters", "ru": "кварталы"},
        "measure.tickets": {"en": "tickets", "ru": "обращения"},
        "measure.wishes": {"en": "wishes", "ru": "пожелания"},
        "role.support": {"en": "Support", "ru": "Поддержка"},
        "role.analyst": {"en": "Analyst", "ru": "Аналитик"},
        "role.legal": {"en": "Legal expert", "ru": "Юрист"},
        "role.product_manager": {"en": "Product manager", "ru": "Менеджер продукта"},
        "role.admin": {"en": "Administrator", "ru": "Администратор"},
        "stage.registered": {"en": "registered", "ru": "зарегистрировано"},
        "stage.in_analysis": {"en": "in analysis", "ru": "на анализе"},
        "stage.question": {"en": "question", "ru": "вопрос"},
        "stage.approved": {"en": "approved", "ru": "одобрено"},
        "stage.planned": {"en": "planned", "ru": "запланировано"},
        "stage.in_development": {"en": "in development", "ru": "в разработке"},
        "stage.testing": {"en": "testing", "ru": "тестирование"},
        "stage.released": {"en": "released", "ru": "выпущено"},
        "stage.declined": {"en": "declined", "ru": "отклонено"},
        "stage.deferred": {"en": "deferred", "ru": "отложено"},
        "stage.follow_up": {"en": "how it works after the release", "ru": "как работает после релиза"},
        "state.new": {"en": "new", "ru": "новая"},
        "state.grouped": {"en": "grouped", "ru": "сгруппирована"},
        "state.in_analysis": {"en": "in analysis", "ru": "на анализе"},
        "state.approved": {"en": "approved", "ru": "одобрена"},
        "state.done": {"en": "done", "ru": "выпущена"},
        "state.declined": {"en": "declined", "ru": "отклонена"},
        "state.deferred": {"en": "deferred", "ru": "отложена"},
        "state.merged": {"en": "merged", "ru": "объединена"},
        "queue.analyst": {"en": "analysts", "ru": "аналитики"},
        "queue.legal": {"en": "legal", "ru": "юристы"},
        "importance.nice_to_have": {"en": "nice to have", "ru": "желательно"},
        "importance.important": {"en": "important", "ru": "важно"},
        "importance.critical": {"en": "critical", "ru": "критично"},
        "door.helpdesk": {"en": "helpdesk", "ru": "поддержка"},
        "door.manual": {"en": "entered by hand", "ru": "введено вручную"},
        "door.product": {"en": "product form", "ru": "форма в продукте"},
        "door.import": {"en": "import", "ru": "импорт"},
        "channel.call": {"en": "call", "ru": "звонок"},
        "channel.meeting": {"en": "meeting", "ru": "встреча"},
        "channel.email": {"en": "e-mail", "ru": "эл. почта"},
        "channel.chat": {"en": "chat", "ru": "чат"},
        "channel.onboarding": {"en": "onboarding", "ru": "внедрение"},
        "channel.other": {"en": "other", "ru": "другое"},
        "channel.web form": {"en": "web form", "ru": "веб-форма"},
        "channel.phone": {"en": "phone", "ru": "телефон"},
        "channel.product": {"en": "product", "ru": "продукт"},
        "segment.enterprise": {"en": "enterprise", "ru": "крупный бизнес"},
        "segment.business": {"en": "business", "ru": "средний бизнес"},
        "segment.smb": {"en": "small business", "ru": "малый бизнес"},
        "segment.free": {"en": "free plan", "ru": "бесплатный тариф"},
        "segment.unknown": {"en": "unknown", "ru": "не указан"},
        "join.auto": {"en": "automatically, as a repeat", "ru": "автоматически, как повтор"},
        "join.new": {"en": "as a new group", "ru": "новой группой"},
        "join.manual": {"en": "by hand", "ru": "вручную"},
        # group languages (#16): held messages, languages by name, the standard reasons customers read
        "outbox.held": {"en": "waiting for a translation", "ru": "ждёт перевода"},
        "language.en": {"en": "English", "ru": "английский"},
        "language.ru": {"en": "Russian", "ru": "русский"},
        "reason.wont_do": {"en": "we have decided not to implement it",
                           "ru": "мы решили не реализовывать эту возможность"},
        "reason.duplicate": {"en": "the same request is already being handled as another wish",
                             "ru": "такое же пожелание уже рассматривается под другим номером"},
        "reason.out_of_scope": {"en": "it is outside the scope of our product",
                                "ru": "это выходит за рамки нашего продукта"},
        "reason.legal": {"en": "legal constraints do not allow it", "ru": "этого не позволяют правовые ограничения"},
        "reason.later": {"en": "we plan to return to it later", "ru": "мы планируем вернуться к нему позже"},
    },
    "admin": {
        "term.wish": {"en": "Wish", "ru": "Пожелание"},
        "term.group": {"en": "Group", "ru": "Группа"},
        "nav.inbox": {"en": "Inbox", "ru": "Входящие"},
        "nav.groups": {"en": "Wish groups", "ru": "Группы пожеланий"},
        "nav.new_wish": {"en": "New wish", "ru": "Новое пожелание"},
        "nav.reports": {"en": "Reports", "ru": "Отчёты"},
        "nav.operations": {"en": "Operations", "ru": "Эксплуатация"},
        "nav.users": {"en": "Users", "ru": "Пользователи"},
        "nav.logout": {"en": "Log out", "ru": "Выйти"},
        "login.title": {"en": "Log in to Wishbridge", "ru": "Вход в Wishbridge"},
        "login.username": {"en": "Username", "ru": "Имя пользователя"},
        "login.password": {"en": "Password", "ru": "Пароль"},
        "login.submit": {"en": "Log in", "ru": "Войти"},
        "login.failed": {"en": "Wrong username or password.", "ru": "Неверное имя пользователя или пароль."},
        "login.throttled": {
            "en": "Too many failed log-ins. Try again in {minutes} min.",
            "ru": "Слишком много неудачных попыток входа. Повторите через {minutes} мин.",
        },
        "inbox.title": {"en": "New wishes", "ru": "Новые пожелания"},
        "inbox.hint": {
            "en": "Wishes nobody has reviewed yet: confirm, merge, route or decline them.",
            "ru": "Пожелания, которые ещё никто не разбирал: подтвердите, объедините, направьте или отклоните их.",
        },
        "filter.any": {"en": "any", "ru": "любое"},
        "filter.apply": {"en": "Show", "ru": "Показать"},
        "filter.search": {"en": "Search", "ru": "Поиск"},
        "list.empty": {"en": "Nothing here yet.", "ru": "Пока ничего нет."},
        "list.previous": {"en": "← Previous", "ru": "← Назад"},
        "list.next": {"en": "Next →", "ru": "Дальше →"},
        "group.title": {"en": "Title", "ru": "Название"},
        "group.state": {"en": "State", "ru": "Состояние"},
        "group.queue": {"en": "Queue", "ru": "Очередь"},
        "group.topic": {"en": "Topic", "ru": "Тема"},
        "group.wishes": {"en": "Wishes", "ru": "Пожелания"},
        "group.tickets": {"en": "Tickets", "ru": "Обращения"},
        "group.organizations": {"en": "Organisations", "ru": "Организации"},
        "group.requesters": {"en": "Requesters", "ru": "Заявители"},
        "group.paid_accounts": {"en": "Paid accounts", "ru": "Платные аккаунты"},
        "group.channels": {"en": "Channels", "ru": "Каналы"},
        "group.segment": {"en": "Segment", "ru": "Сегмент"},
        "group.score": {"en": "Score", "ru": "Оценка"},
        "group.epic": {"en": "Tracker epic", "ru": "Эпик в трекере"},
        "group.epic_queued": {
            "en": "Approved: the epic is being created in the tracker.",
            "ru": "Одобрено: эпик создаётся в трекере.",
        },
        "group.epic_missing": {
            "en": "The tracker says this epic does not exist any more (deleted, or hidden from the bridge's tracker "
                  "user): its status is no longer followed.",
            "ru": "Трекер сообщает, что этого эпика больше нет (удалён или скрыт от пользователя моста в трекере): его "
                  "статус больше не отслеживается.",
        },
        "group.no_epic": {
            "en": "No epic yet: it is created when the group is approved.",
            "ru": "Эпика пока нет: он создаётся при одобрении группы.",
        },
        "group.needs_attention": {"en": "needs attention", "ru": "требует внимания"},
        "group.updated": {"en": "updated", "ru": "изменено"},
        "group.merged_into": {"en": "This group was merged into", "ru": "Эта группа объединена с"},
        "group.suggestions": {"en": "Similar groups", "ru": "Похожие группы"},
        "group.suggestions_show": {"en": "Show the similar groups", "ru": "Показать похожие группы"},
        "group.suggested_topic": {
            "en": "Topic suggested from the text (not applied; confidence)",
            "ru": "Тема, подсказанная по тексту (не применена; уверенность)",
        },
        "group.comments": {"en": "Comments", "ru": "Комментарии"},
        "group.audit": {"en": "Audit trail", "ru": "Журнал действий"},
        "group.popularity": {"en": "Who asks", "ru": "Кто просит"},
        "group.actions": {"en": "Actions", "ru": "Действия"},
        "suggestion.text": {"en": "text", "ru": "текст"},
        "suggestion.marking": {"en": "marking", "ru": "разметка"},
        "suggestion.merge_here": {"en": "Merge into this group", "ru": "Объединить с этой группой"},
        "suggestion.not_same": {"en": "Not the same", "ru": "Это другое"},
        "split.hint": {
            "en": "Tick the wishes to move into a new group.",
            "ru": "Отметьте пожелания, которые нужно вынести в новую группу.",
        },
        "audit.at": {"en": "When", "ru": "Когда"},
        "audit.actor": {"en": "Who", "ru": "Кто"},
        "audit.action": {"en": "What", "ru": "Что"},
        "field.body": {"en": "Comment", "ru": "Комментарий"},
        "field.category": {"en": "Category", "ru": "Категория"},
        "field.subcategory": {"en": "Subcategory", "ru": "Подкатегория"},
        "field.channel": {"en": "Channel", "ru": "Канал"},
        "field.contact": {"en": "Contact person", "ru": "Контактное лицо"},
        "field.display_name": {"en": "Name", "ru": "Имя"},
        "field.importance": {"en": "Importance", "ru": "Важность"},
        "field.issue_key": {"en": "Existing tracker issue (optional)",
                            "ru": "Существующая задача трекера (необязательно)"},
        "field.language": {"en": "Language", "ru": "Язык"},
        "field.legal_deadline": {"en": "Legal deadline", "ru": "Срок по закону"},
        "field.legal_reference": {"en": "Legal reference", "ru": "Ссылка на норму"},
        "field.notes": {"en": "Analysis notes", "ru": "Заметки аналитика"},
        "field.organization": {"en": "Organisation", "ru": "Организация"},
        "field.question": {"en": "Question to the customers", "ru": "Вопрос клиентам"},
        "field.reason": {"en": "Reason", "ru": "Причина"},
        "field.role": {"en": "Role", "ru": "Роль"},
        "field.target_id": {"en": "Target group number", "ru": "Номер целевой группы"},
        "field.other_id": {"en": "Suggested group number", "ru": "Номер предложенной группы"},
        "field.score": {"en": "Score shown", "ru": "Показанная оценка"},
        "field.text": {"en": "What the customer wants", "ru": "Что хочет клиент"},
        "field.title": {"en": "Title (optional)", "ru": "Название (необязательно)"},
        "field.wish_ids": {"en": "Wishes to split off", "ru": "Пожелания для выделения"},
        "action.confirm": {"en": "Confirm as a group", "ru": "Подтвердить группу"},
        "action.acknowledge": {"en": "Seen the new demand", "ru": "Новый спрос учтён"},
        "action.route": {"en": "Route", "ru": "Направить"},
        "action.analyse": {"en": "Record analysis", "ru": "Сохранить анализ"},
        "action.ask": {"en": "Ask the customers", "ru": "Спросить клиентов"},
        "action.approve": {"en": "Approve", "ru": "Одобрить"},
        "action.decline": {"en": "Decline", "ru": "Отклонить"},
        "action.defer": {"en": "Defer", "ru": "Отложить"},
        "action.reopen": {"en": "Reopen", "ru": "Открыть снова"},
        "action.merge": {"en": "Merge into another group", "ru": "Объединить с другой группой"},
        "action.unmerge": {"en": "Undo the merge", "ru": "Отменить объединение"},
        "action.split": {"en": "Split off", "ru": "Выделить"},
        "action.comment": {"en": "Add comment", "ru": "Добавить комментарий"},
        "done.confirm": {"en": "The group is confirmed.", "ru": "Группа подтверждена."},
        "done.acknowledge": {"en": "Noted.", "ru": "Отмечено."},
        "done.route": {"en": "The group was routed.", "ru": "Группа направлена."},
        "route.suggested": {
            "en": "Suggested: {queue} (rule “{rule}”).",
            "ru": "Предлагается: {queue} (правило «{rule}»).",
        },
        "done.analyse": {"en": "The analysis was saved.", "ru": "Анализ сохранён."},
        "done.ask": {
            "en": "The question goes out to every customer of the group.",
            "ru": "Вопрос отправляется всем клиентам группы.",
        },
        "done.approve": {
            "en": "Approved: the epic is on its way to the tracker.",
            "ru": "Одобрено: эпик отправляется в трекер.",
        },
        "done.decline": {
            "en": "Declined: the customers will be told why.",
            "ru": "Отклонено: клиентам сообщат причину.",
        },
        "done.defer": {"en": "Deferred: the customers will be told why.", "ru": "Отложено: клиентам сообщат причину."},
        "done.reopen": {"en": "The group is open again.", "ru": "Группа снова открыта."},
        "done.merge": {"en": "The groups were merged.", "ru": "Группы объединены."},
        "done.not_same": {
            "en": "Understood: that group will not be suggested here again.",
            "ru": "Понятно: эта группа больше не будет предлагаться здесь.",
        },
        "done.unmerge": {"en": "The merge was undone.", "ru": "Объединение отменено."},
        "done.split": {
            "en": "The chosen wishes form a new group.",
            "ru": "Выбранные пожелания выделены в новую группу.",
        },
        "done.comment": {"en": "Comment added.", "ru": "Комментарий добавлен."},
        "done.add_wish": {
            "en": "The wish was added as a new group, {number}.",
            "ru": "Пожелание добавлено как новая группа {number}.",
        },
        "done.joined": {
            "en": "The wish joined the similar group {number}.",
            "ru": "Пожелание присоединено к похожей группе {number}.",
        },
        "done.retry": {
            "en": "Outbox item #{item} will be tried again.",
            "ru": "Элемент очереди №{item} будет отправлен снова.",
        },
        "done.add_user": {"en": "User {username} was added.", "ru": "Пользователь {username} добавлен."},
        "flash.bad_field": {"en": "Please fill in: {field}.", "ru": "Заполните поле: {field}."},
        "wish.title": {"en": "New wish from a customer", "ru": "Новое пожелание клиента"},
        "wish.hint": {
            "en": "For wishes heard in calls, meetings or onboarding: it joins a similar group or starts a new one.",
            "ru": "Для пожеланий из звонков, встреч и внедрения: оно присоединится к похожей группе или начнёт "
                  "новую.",
        },
        "wish.submit": {"en": "Add the wish", "ru": "Добавить пожелание"},
        "ops.unmapped": {"en": "Helpdesk values without a mapping", "ru": "Значения хелпдеска без сопоставления"},
        "ops.unmapped_hint": {
            "en": "Tickets with these values get no category or subcategory: add them to the helpdesk's mapping "
                  "file.",
            "ru": "Обращения с этими значениями остаются без категории или подкатегории: добавьте их в файл "
                  "сопоставления хелпдеска.",
        },
        "ops.unmapped_none": {
            "en": "Every category and subcategory value seen has a mapping.",
            "ru": "Все встреченные значения категорий и подкатегорий сопоставлены.",
        },
        "ops.field": {"en": "Field", "ru": "Поле"},
        "ops.value": {"en": "Value", "ru": "Значение"},
        "ops.sync": {"en": "Sync status", "ru": "Синхронизация"},
        "ops.connector": {"en": "Connector", "ru": "Коннектор"},
        "ops.last_run": {"en": "Last run", "ru": "Последний запуск"},
        "ops.last_success": {"en": "Last success", "ru": "Последний успех"},
        "ops.cursor": {"en": "Cursor", "ru": "Курсор"},
        "ops.error": {"en": "Error", "ru": "Ошибка"},
        "ops.outbox": {"en": "Outbox", "ru": "Исходящая очередь"},
        "ops.dead": {"en": "Dead letters", "ru": "Недоставленные"},
        "ops.recent": {"en": "Latest items", "ru": "Последние элементы"},
        "ops.kind": {"en": "Kind", "ru": "Вид"},
        "ops.target": {"en": "Target", "ru": "Куда"},
        "ops.key": {"en": "Key", "ru": "Ключ"},
        "ops.attempts": {"en": "Attempts", "ru": "Попытки"},
        "ops.retry": {"en": "Retry", "ru": "Повторить"},
        "ops.mappings": {"en": "Mappings in", "ru": "Сопоставления в"},
        "ops.mappings_valid": {"en": "Every mapping file is valid.", "ru": "Все файлы сопоставлений корректны."},
        "ops.mapping_errors": {
            "en": "{count} error(s) in the mappings; the running bridge keeps the last good ones:",
            "ru": "Ошибок в сопоставлениях: {count}; работающий мост использует последние корректные:",
        },
        "users.add": {"en": "Add user", "ru": "Добавить пользователя"},
        "group.told": {"en": "Customer told", "ru": "Клиенту сообщено"},
        "audit.action.wish_added": {"en": "Wish added", "ru": "Добавлено пожелание"},
        "audit.action.grouped": {"en": "A similar wish joined", "ru": "Присоединилось похожее пожелание"},
        "audit.action.demand_raised": {"en": "New demand after the decision", "ru": "Новый спрос после решения"},
        "audit.action.confirm": {"en": "Confirmed as a group", "ru": "Группа подтверждена"},
        "audit.action.route": {"en": "Routed", "ru": "Направлена в очередь"},
        "audit.action.analyse": {"en": "Analysis recorded", "ru": "Анализ сохранён"},
        "audit.action.comment": {"en": "Comment added", "ru": "Добавлен комментарий"},
        "audit.action.ask": {"en": "Customers asked", "ru": "Клиентам задан вопрос"},
        "audit.action.approve": {"en": "Approved", "ru": "Одобрена"},
        "audit.action.decline": {"en": "Declined", "ru": "Отклонена"},
        "audit.action.defer": {"en": "Deferred", "ru": "Отложена"},
        "audit.action.reopen": {"en": "Reopened", "ru": "Открыта снова"},
        "audit.action.done": {"en": "Released", "ru": "Выпущена"},
        "audit.action.acknowledge": {"en": "New demand seen", "ru": "Новый спрос учтён"},
        "audit.action.merge": {"en": "Merged into another group", "ru": "Объединена с другой группой"},
        "audit.action.merged_in": {"en": "Another group merged in", "ru": "Присоединена другая группа"},
        "audit.action.unmerge": {"en": "Merge undone", "ru": "Объединение отменено"},
        "audit.action.unmerged_out": {
            "en": "A merged group taken back out",
            "ru": "Объединённая группа выделена обратно",
        },
        "audit.action.split": {"en": "Wishes split off", "ru": "Пожелания выделены в новую группу"},
        "audit.action.split_from": {"en": "Split off from another group", "ru": "Выделена из другой группы"},
        "audit.action.epic_created": {"en": "Epic created in the tracker", "ru": "Эпик создан в трекере"},
        "audit.action.epic_adopted": {
            "en": "Epic found in the tracker and linked",
            "ru": "Эпик найден в трекере и привязан",
        },
        "audit.action.epic_linked": {
            "en": "Linked to an existing tracker issue",
            "ru": "Привязана существующая задача трекера",
        },
        "audit.action.epic_missing": {"en": "The epic is gone from the tracker", "ru": "Эпик пропал из трекера"},
        "audit.action.reopened_in_jira": {"en": "Reopened in the tracker", "ru": "Возобновлена в трекере"},
        "audit.action.transition": {"en": "State changed", "ru": "Состояние изменено"},
        "audit.detail.ticket": {"en": "Ticket", "ru": "Обращение"},
        "audit.detail.door": {"en": "Came through", "ru": "Источник"},
        "audit.detail.join_mode": {"en": "Joined", "ru": "Присоединено"},
        "audit.detail.score": {"en": "Similarity", "ru": "Сходство"},
        "audit.detail.previous_state": {"en": "Was", "ru": "Было"},
        "audit.detail.previous_queue": {"en": "Previous queue", "ru": "Прежняя очередь"},
        "audit.detail.issue_key": {"en": "Tracker issue", "ru": "Задача трекера"},
        "audit.detail.epoch": {"en": "Round", "ru": "Круг"},
        "audit.detail.into": {"en": "Into group", "ru": "В группу"},
        "audit.detail.epic_status": {"en": "Tracker status", "ru": "Статус в трекере"},
        "audit.detail.fix_version": {"en": "Version", "ru": "Версия"},
        "audit.detail.from": {"en": "From", "ru": "Из"},
        "audit.detail.to": {"en": "To", "ru": "В"},
        "score.organizations.why": {
            "en": "{value:g} distinct organisations × {weight:g}",
            "ru": "разных организаций: {value:g} × {weight:g}",
        },
        "score.segment": {"en": "Segment: {segment}", "ru": "Сегмент: {segment}"},
        "score.segment.why": {
            "en": "{value:g} organisations of the segment × {weight:g}",
            "ru": "организаций сегмента: {value:g} × {weight:g}",
        },
        "score.paid_accounts.why": {
            "en": "{value:g} paid accounts × {weight:g}",
            "ru": "платных аккаунтов: {value:g} × {weight:g}",
        },
        "score.importance.why": {
            "en": "business importance “{importance}”: {weight:g}",
            "ru": "важность для бизнеса «{importance}»: {weight:g}",
        },
        "score.legal_deadline.ahead": {
            "en": "due {date}, in {days} days: {share:.0%} of {weight:g}",
            "ru": "срок {date}, осталось дней: {days}; {share:.0%} от {weight:g}",
        },
        "score.legal_deadline.overdue": {
            "en": "due {date}, overdue by {days} days: {share:.0%} of {weight:g}",
            "ru": "срок {date}, просрочено дней: {days}; {share:.0%} от {weight:g}",
        },
        # public numbers and finding a group by number or ticket (issue 16, item 1)
        "find.label": {"en": "Find a wish", "ru": "Найти пожелание"},
        "find.placeholder": {"en": "W-12 or a ticket id", "ru": "W-12 или номер обращения"},
        "find.button": {"en": "Find", "ru": "Найти"},
        "find.merged": {"en": "{asked} was merged into {number}.", "ru": "{asked} объединена с {number}."},
        "find.by_ticket": {
            "en": "Ticket {asked} is a wish of {number}.",
            "ru": "Обращение {asked} — пожелание из группы {number}.",
        },
        "group.absorbed": {
            "en": "The numbers of the groups merged into this one lead here too:",
            "ru": "Номера групп, объединённых с этой, тоже ведут сюда:",
        },
        # group languages (#16): titles and reasons per language, held messages, decision previews, undo, merges
        "field.reason_code": {"en": "Standard reason", "ru": "Типовая причина"},
        "field.survivor": {"en": "Group that survives", "ru": "Остающаяся группа"},
        "decision.standard_reason": {"en": "Standard reason (written in every language)",
                                     "ru": "Типовая причина (написана на всех языках)"},
        "decision.own_words": {"en": "In your words, {language}", "ru": "Своими словами, {language}"},
        "decision.hint": {
            "en": "Choose a standard reason, write your own words in each language, or both. Nothing is sent yet: "
                  "the next page shows every message first.",
            "ru": "Выберите типовую причину, напишите свои слова на каждом языке или и то и другое. Пока ничего не "
                  "отправляется: на следующей странице видно каждое сообщение.",
        },
        "preview.show": {"en": "Preview the messages", "ru": "Показать сообщения"},
        "preview.title": {"en": "{action}: what the customers will read", "ru": "{action}: что прочитают клиенты"},
        "preview.hint": {
            "en": "Nothing has changed yet. Each box is one message exactly as it will be sent, with the number of "
                  "tickets that get it.",
            "ru": "Пока ничего не изменилось. Каждый блок — сообщение в точности так, как оно будет отправлено, и "
                  "сколько обращений его получат.",
        },
        "preview.tickets": {"en": "tickets: {count}", "ru": "обращений: {count}"},
        "preview.more": {
            "en": "…and {count} more messages to {tickets} tickets, each with its customer's own wish title. A title "
                  "written for this language makes them one message.",
            "ru": "…и ещё сообщений: {count}, обращений: {tickets}; в каждом название пожелания самого клиента. "
                  "Название на этом языке сделает из них одно сообщение.",
        },
        "preview.none": {"en": "No ticket of this group can be written to: no customer will be told.",
                         "ru": "Ни в одно обращение этой группы нельзя написать: клиенты ничего не узнают."},
        "preview.foreign": {"en": "Not written in {language}: {missing}.", "ru": "Не на языке клиента ({language}): "
                                                                              "{missing}."},
        "preview.as_is": {"en": "I have read it: send it as it is to readers of {language}",
                          "ru": "Я прочитал(а): отправить как есть читателям ({language})"},
        "preview.titles": {"en": "Titles the customers read", "ru": "Названия, которые читают клиенты"},
        "preview.update": {"en": "Update the preview", "ru": "Обновить просмотр"},
        "preview.confirm": {"en": "Confirm: {action}", "ru": "Подтвердить: {action}"},
        "preview.back": {"en": "Back to the group", "ru": "Вернуться к группе"},
        "preview.undo_hint": {
            "en": "After you confirm you can undo it for {seconds} s; only then do the messages go out.",
            "ru": "После подтверждения решение можно отменить в течение {seconds} с; только потом сообщения уйдут.",
        },
        "preview.changed": {
            "en": "The messages changed since the preview (new tickets or texts): check them again.",
            "ru": "С момента просмотра сообщения изменились (новые обращения или тексты): проверьте их ещё раз.",
        },
        "preview.untranslated": {
            "en": "Some messages carry text not in their readers' language ({languages}): write the translation or "
                  "tick “send it as it is”.",
            "ru": "В некоторых сообщениях есть текст не на языке клиента ({languages}): напишите перевод или "
                  "отметьте «отправить как есть».",
        },
        "words.title": {"en": "What the customers read", "ru": "Что читают клиенты"},
        "words.hint": {
            "en": "Each customer reads the title written for their language, else their own wish title. A message "
                  "with text not in its reader's language waits here for you.",
            "ru": "Каждый клиент читает название на своём языке, а если его нет — название своего пожелания. "
                  "Сообщение с текстом не на языке клиента ждёт здесь вашего решения.",
        },
        "words.original": {"en": "Original title ({language})", "ru": "Исходное название ({language})"},
        "words.title_in": {"en": "Title, {language}", "ru": "Название, {language}"},
        "words.reason_in": {"en": "Reason, {language}", "ru": "Причина, {language}"},
        "words.save": {"en": "Save the translations", "ru": "Сохранить переводы"},
        "words.untranslated": {"en": "not written in this language", "ru": "не на этом языке"},
        "held.title": {"en": "Waiting for a translation", "ru": "Ждут перевода"},
        "held.line": {"en": "{count} × “{stage}” to readers of {language}; not in {language}: {missing}.",
                      "ru": "{count} × «{stage}» для читателей ({language}); не на их языке: {missing}."},
        "held.missing.wish_title": {"en": "the title", "ru": "название"},
        "held.missing.reason": {"en": "the reason", "ru": "причина"},
        "held.send_as_is": {"en": "Send as it is ({language})", "ru": "Отправить как есть ({language})"},
        "undo.pending": {
            "en": "{action}. The customers' messages go out at {time} UTC; until then you can undo it.",
            "ru": "{action}. Сообщения клиентам уйдут в {time} UTC; до этого решение можно отменить.",
        },
        "undo.button": {"en": "Undo", "ru": "Отменить"},
        "merge.title": {"en": "Merge #{first} and #{second}", "ru": "Объединение №{first} и №{second}"},
        "merge.rule": {
            "en": "The group with more tickets survives; of two with as many, the older one. It keeps its topic and "
                  "takes the other's only if it has none.",
            "ru": "Остаётся группа, в которой больше обращений, при равенстве — более старая. Она сохраняет свою тему "
                  "и берёт тему другой, только если своей нет.",
        },
        "merge.keep": {"en": "Keep #{id}: the other group merges into it", "ru": "Оставить №{id}: другая группа "
                                                                               "вливается в неё"},
        "merge.by_rule": {"en": "by the rule", "ru": "по правилу"},
        "merge.created": {"en": "created", "ru": "создана"},
        "merge.preview": {"en": "Show which group survives", "ru": "Показать, какая группа останется"},
        "merge.confirm": {"en": "Merge", "ru": "Объединить"},
        "done.undo": {"en": "Undone: {count} messages will not be sent.",
                      "ru": "Отменено: сообщения не будут отправлены ({count})."},
        "done.translate": {"en": "Saved. Messages that were waiting for it and went out: {count}.",
                           "ru": "Сохранено. Ожидавших сообщений отправлено: {count}."},
        "done.send_as_is": {"en": "Messages going out as they are: {count}.",
                            "ru": "Отправляются как есть сообщений: {count}."},
        "audit.action.undo": {"en": "Decision undone", "ru": "Решение отменено"},
        "audit.action.translate": {"en": "Translations written", "ru": "Записаны переводы"},
        "audit.action.send_as_is": {"en": "Held messages sent as they are", "ru": "Задержанные сообщения отправлены "
                                                                               "как есть"},
        "audit.detail.reason_code": {"en": "Standard reason", "ru": "Типовая причина"},
        "audit.detail.reason_original": {"en": "Reason as received", "ru": "Причина в исходном виде"},
        "audit.detail.reason_en": {"en": "Reason, English", "ru": "Причина, английский"},
        "audit.detail.reason_ru": {"en": "Reason, Russian", "ru": "Причина, русский"},
        "audit.detail.title_en": {"en": "Title, English", "ru": "Название, английский"},
        "audit.detail.title_ru": {"en": "Title, Russian", "ru": "Название, русский"},
        "audit.detail.as_is": {"en": "Sent as it is to", "ru": "Отправлено как есть"},
        "audit.detail.previous_reason": {"en": "Previous reason", "ru": "Прежняя причина"},
        "audit.detail.undo_until": {"en": "Could be undone until", "ru": "Можно было отменить до"},
        "audit.detail.undone": {"en": "Undone", "ru": "Отменено"},
        "audit.detail.withdrawn": {"en": "Messages not sent", "ru": "Не отправлено сообщений"},
        "audit.detail.language": {"en": "Language", "ru": "Язык"},
        "audit.detail.messages": {"en": "Messages", "ru": "Сообщения"},
        "audit.detail.topic_taken": {"en": "Took the topic of the merged group", "ru": "Взята тема объединённой "
                                                                                       "группы"},
        "audit.detail.category": {"en": "Category", "ru": "Категория"},
        "audit.detail.subcategory": {"en": "Subcategory", "ru": "Подкатегория"},
    },
    # PM tools (issue #16 items 8 and 10): the list's order and filters, owners, renaming, bulk merges, the board
    # by stage, the mappings page and editing users.
    "pm_tools": {
        "nav.board": {"en": "Board", "ru": "Доска"},
        "nav.mappings": {"en": "Mappings", "ru": "Сопоставления"},
        "list.stage": {"en": "Stage", "ru": "Этап"},
        "list.owner": {"en": "Owner", "ru": "Ответственный"},
        "list.owner_mine": {"en": "mine", "ru": "мои"},
        "list.owner_none": {"en": "nobody", "ru": "никто"},
        "list.first_wish": {"en": "First wish", "ru": "Первое пожелание"},
        "list.active": {"en": "Last activity", "ru": "Последнее действие"},
        "list.sort": {"en": "Order", "ru": "Порядок"},
        "list.sort.score": {"en": "highest score", "ru": "по оценке"},
        "list.sort.tickets": {"en": "most tickets", "ru": "больше обращений"},
        "list.sort.organizations": {"en": "most organisations", "ru": "больше организаций"},
        "list.sort.paid_accounts": {"en": "most paid accounts", "ru": "больше платных аккаунтов"},
        "list.sort.oldest": {"en": "oldest first wish", "ru": "самое давнее пожелание"},
        "list.sort.activity": {"en": "latest activity", "ru": "последние действия"},
        "board.column.new": {"en": "New", "ru": "Новые"},
        "board.column.grouped": {"en": "Triage", "ru": "Разбор"},
        "board.column.in_analysis": {"en": "In analysis", "ru": "На анализе"},
        "board.column.approved": {"en": "Approved", "ru": "Одобрены"},
        "board.column.in_development": {"en": "In development", "ru": "В разработке"},
        "board.column.done": {"en": "Released", "ru": "Выпущены"},
        "board.column.deferred": {"en": "Deferred", "ru": "Отложены"},
        "board.column.declined": {"en": "Declined", "ru": "Отклонены"},
        "board.popularity": {
            "en": "{tickets} tickets · {organizations} orgs · {paid} paid",
            "ru": "обращений: {tickets} · организаций: {organizations} · платных: {paid}",
        },
        "board.more": {"en": "{count} more in the list →", "ru": "ещё {count} в списке →"},
        "field.owner": {"en": "Owner", "ru": "Ответственный"},
        "field.new_title": {"en": "New title", "ru": "Новое название"},
        "field.source_ids": {"en": "Groups to merge", "ru": "Группы для объединения"},
        "action.assign": {"en": "Set the owner", "ru": "Назначить ответственного"},
        "action.take": {"en": "I will own it", "ru": "Беру себе"},
        "action.rename": {"en": "Rename", "ru": "Переименовать"},
        "done.assign": {"en": "The owner was set.", "ru": "Ответственный назначен."},
        "done.rename": {"en": "The group was renamed.", "ru": "Группа переименована."},
        "done.merge_suggested": {
            "en": "{count} suggested group(s) merged into this one.",
            "ru": "Предложенных групп объединено с этой: {count}.",
        },
        "suggestion.tick": {"en": "Merge group #{group} too", "ru": "Объединить и группу №{group}"},
        "suggestion.merge_ticked": {
            "en": "Merge the ticked groups into #{group}",
            "ru": "Объединить отмеченные группы с №{group}",
        },
        "audit.action.rename": {"en": "Renamed", "ru": "Переименована"},
        "audit.action.assign": {"en": "Owner set", "ru": "Назначен ответственный"},
        "audit.detail.title": {"en": "Title", "ru": "Название"},
        "audit.detail.previous_title": {"en": "Previous title", "ru": "Прежнее название"},
        "audit.detail.owner": {"en": "Owner", "ru": "Ответственный"},
        "audit.detail.previous_owner": {"en": "Previous owner", "ru": "Прежний ответственный"},
        "mappings.hint": {
            "en": "What the bridge reads, line by line (read-only: edit the files, then check them). Folder:",
            "ru": "Что читает мост, строка за строкой (только просмотр: правьте файлы и проверяйте их). Папка:",
        },
        "mappings.kind.topics": {"en": "topic tree", "ru": "темы"},
        "mappings.kind.messages": {"en": "customer messages", "ru": "сообщения клиентам"},
        "mappings.kind.routing": {"en": "routing rules", "ru": "маршрутизация"},
        "mappings.kind.priority": {"en": "priority rules", "ru": "приоритет"},
        "mappings.kind.grouping": {"en": "grouping settings", "ru": "группировка"},
        "mappings.kind.import": {"en": "file import", "ru": "импорт файлов"},
        "mappings.kind.helpdesk": {"en": "helpdesk mapping", "ru": "хелпдеск"},
        "mappings.kind.tracker": {"en": "tracker mapping", "ru": "трекер"},
        "mappings.problems": {"en": "{count} problem(s)", "ru": "проблем: {count}"},
        "mappings.line": {"en": "Line", "ru": "Строка"},
        "mappings.key": {"en": "Key", "ru": "Ключ"},
        "mappings.unread": {
            "en": "This file cannot be read until the mistake below is fixed.",
            "ru": "Файл нельзя прочитать, пока не исправлена ошибка ниже.",
        },
        "users.edit": {"en": "Edit", "ru": "Изменить"},
        "users.save": {"en": "Save", "ru": "Сохранить"},
        "users.access": {"en": "Access", "ru": "Доступ"},
        "users.disabled": {"en": "disabled", "ru": "отключён"},
        "users.disable": {"en": "Disable the user", "ru": "Отключить пользователя"},
        "users.enable": {"en": "Enable the user", "ru": "Включить пользователя"},
        "users.disable_hint": {
            "en": "A disabled user cannot log in, and every session they have ends at once.",
            "ru": "Отключённый пользователь не может войти, и все его сеансы сразу завершаются.",
        },
        "users.enable_hint": {
            "en": "This user cannot log in. Enabling lets them log in again with their password.",
            "ru": "Этот пользователь не может войти. После включения он снова войдёт со своим паролем.",
        },
        "users.not_yourself": {
            "en": "You cannot disable yourself or take away your own role: ask another administrator.",
            "ru": "Нельзя отключить себя или сменить себе роль: попросите другого администратора.",
        },
        "done.edit_user": {"en": "User {username} was saved.", "ru": "Пользователь {username} сохранён."},
        "done.disable_user": {
            "en": "User {username} was disabled; their sessions have ended.",
            "ru": "Пользователь {username} отключён; его сеансы завершены.",
        },
        "done.enable_user": {"en": "User {username} was enabled.", "ru": "Пользователь {username} включён."},
    },
    "errors": {
        "error.back": {"en": "Back to the inbox", "ru": "Вернуться во входящие"},
        "error.title.400": {"en": "Bad request", "ru": "Неверный запрос"},
        "error.text.400": {
            "en": "The form was incomplete or expired (it must come from this site). Reload the page and try again.",
            "ru": "Форма неполна или устарела (она должна быть отправлена с этого сайта). Обновите страницу и "
                  "попробуйте снова.",
        },
        "error.title.401": {"en": "Not logged in", "ru": "Вход не выполнен"},
        "error.text.401": {"en": "Please log in first.", "ru": "Сначала войдите."},
        "error.title.403": {"en": "Not allowed", "ru": "Нет доступа"},
        "error.text.403": {
            "en": "Your role does not allow this action. Ask an administrator if you need it.",
            "ru": "Ваша роль не разрешает это действие. Обратитесь к администратору, если оно вам нужно.",
        },
        "error.title.404": {"en": "Not found", "ru": "Не найдено"},
        "error.text.404": {"en": "There is nothing at this address.", "ru": "По этому адресу ничего нет."},
        "error.title.405": {"en": "Method not allowed", "ru": "Метод не разрешён"},
        "error.text.405": {
            "en": "This address does not accept that kind of request.",
            "ru": "Этот адрес не принимает такой запрос.",
        },
        "error.title.413": {"en": "Too large", "ru": "Слишком большой запрос"},
        "error.text.413": {"en": "The request body is larger than 5 MiB.", "ru": "Тело запроса больше 5 МиБ."},
        "error.title.500": {"en": "Server error", "ru": "Ошибка сервера"},
        "error.text.500": {
            "en": "Something went wrong on our side; the log has the details.",
            "ru": "Что-то пошло не так на сервере; подробности в журнале.",
        },
    },
    "sidebar": {
        "sidebar.denied.title": {"en": "Not verified", "ru": "Запрос не подтверждён"},
        "sidebar.denied.text": {
            "en": "This request could not be verified, so nothing is shown. Reopen the ticket; if it keeps "
                  "happening, ask your administrator to check the Wishbridge app settings.",
            "ru": "Не удалось проверить подпись запроса, поэтому ничего не показано. Откройте обращение заново; если "
                  "ошибка повторяется, попросите администратора проверить настройки приложения Wishbridge.",
        },
        "sidebar.unknown.title": {"en": "Ticket not in Wishbridge yet", "ru": "Обращения ещё нет в Wishbridge"},
        "sidebar.unknown.text": {
            "en": "Wishbridge has not read ticket {ticket} yet. It appears after the next sync (every few minutes); "
                  "reopen the sidebar then.",
            "ru": "Wishbridge ещё не прочитал обращение {ticket}. Оно появится после следующей синхронизации (через "
                  "несколько минут) — тогда откройте панель снова.",
        },
        "sidebar.stage": {"en": "Stage", "ru": "Этап"},
        "sidebar.size": {"en": "Asked by", "ru": "Просят"},
        "sidebar.size.value": {
            "en": "{organizations} organisations, {tickets} tickets",
            "ru": "организаций: {organizations}, обращений: {tickets}",
        },
        "sidebar.epic.none": {"en": "No epic yet", "ru": "Эпика пока нет"},
        "sidebar.last_message": {"en": "Last message to the customer", "ru": "Последнее сообщение клиенту"},
        "sidebar.last_message.none": {
            "en": "Nothing sent to the customer yet.",
            "ru": "Клиенту пока ничего не отправлено.",
        },
        "sidebar.no_wish": {"en": "This ticket is not a wish yet.", "ru": "Это обращение пока не пожелание."},
        "sidebar.register": {"en": "Register as a new wish", "ru": "Зарегистрировать как новое пожелание"},
        "sidebar.register.hint": {
            "en": "The wish takes the ticket's subject and text:",
            "ru": "Пожелание возьмёт тему и текст обращения:",
        },
        "sidebar.suggestions": {"en": "Similar wishes", "ru": "Похожие пожелания"},
        "sidebar.suggestions.none": {"en": "No similar wishes found.", "ru": "Похожих пожеланий не нашлось."},
        "sidebar.attach": {"en": "Attach to this wish", "ru": "Присоединить к этому пожеланию"},
        "sidebar.note": {"en": "Note for the analyst", "ru": "Заметка для аналитика"},
        "sidebar.note.placeholder": {"en": "What should the analyst know?", "ru": "Что важно знать аналитику?"},
        "sidebar.note.send": {"en": "Add note", "ru": "Добавить заметку"},
        "sidebar.your_name": {"en": "Your name (for the audit trail)", "ru": "Ваше имя (для журнала действий)"},
        "sidebar.done.register": {
            "en": "Registered: this ticket is now a wish in group {number}.",
            "ru": "Готово: обращение стало пожеланием в группе {number}.",
        },
        "sidebar.done.attach": {"en": "Attached to group {number}.", "ru": "Присоединено к группе {number}."},
        "sidebar.done.note": {
            "en": "Your note was added to group {number}.",
            "ru": "Заметка добавлена в группу {number}.",
        },
        "sidebar.expired": {
            "en": "This sidebar session has expired. Reopen the ticket to continue.",
            "ru": "Сеанс панели истёк. Откройте обращение заново.",
        },
        "sidebar.name_required": {
            "en": "Please enter your name: it goes into the audit trail.",
            "ru": "Укажите своё имя: оно попадёт в журнал действий.",
        },
        "sidebar.state.new": {"en": "New, not reviewed yet", "ru": "Новое, ещё не рассмотрено"},
        "sidebar.state.grouped": {"en": "Grouped, waiting for review", "ru": "В группе, ждёт рассмотрения"},
        "sidebar.state.in_analysis": {"en": "In analysis", "ru": "В анализе"},
        "sidebar.state.approved": {"en": "Approved, handed to development", "ru": "Одобрено, передано в разработку"},
        "sidebar.state.declined": {"en": "Declined", "ru": "Отклонено"},
        "sidebar.state.deferred": {"en": "Deferred", "ru": "Отложено"},
        "sidebar.state.done": {"en": "Released", "ru": "Выпущено"},
        "sidebar.state.merged": {"en": "Merged into another group", "ru": "Объединено с другой группой"},
        "sidebar.unknown_action": {"en": "There is no such action here.", "ru": "Здесь нет такого действия."},
        # public numbers and finding a group by number or ticket (issue 16, item 1)
        "sidebar.find": {"en": "Look up a wish by its number", "ru": "Найти пожелание по номеру"},
        "sidebar.find.hint": {
            "en": "The number the customer was told (W-12) or another ticket's id.",
            "ru": "Номер, который сообщили клиенту (W-12), или номер другого обращения.",
        },
        "sidebar.find.none": {
            "en": "No wish has the number or ticket “{asked}”.",
            "ru": "Нет пожелания с номером или обращением «{asked}».",
        },
    },
    "product_form": {
        "form.heading": {"en": "Suggest an improvement", "ru": "Предложить улучшение"},
        "form.intro": {
            "en": "Tell us what would make the product better for you. We read every suggestion; this form cannot "
                  "send you news about it later.",
            "ru": "Расскажите, что сделает продукт удобнее для вас. Мы читаем каждое предложение; сообщить вам потом "
                  "о его судьбе эта форма не сможет.",
        },
        "form.title": {"en": "In a few words (optional)", "ru": "Коротко (необязательно)"},
        "form.text": {"en": "Your suggestion", "ru": "Ваше предложение"},
        "form.contact": {
            "en": "E-mail, in case we have a question (optional)",
            "ru": "E-mail на случай вопросов (необязательно)",
        },
        "form.send": {"en": "Send suggestion", "ru": "Отправить предложение"},
        "form.sending": {"en": "Sending…", "ru": "Отправляем…"},
        "form.thanks": {
            "en": "Thank you! Your suggestion is registered as {number}.",
            "ru": "Спасибо! Ваше предложение зарегистрировано под номером {number}.",
        },
        "form.too_long": {
            "en": "The text is too long: {length} characters, {limit} at most.",
            "ru": "Слишком длинный текст: {length} символов, допустимо не больше {limit}.",
        },
        "form.empty": {"en": "Please describe your suggestion.", "ru": "Опишите, пожалуйста, ваше предложение."},
        "form.rate_limited": {
            "en": "You have sent many suggestions recently. Please try again in {minutes} min.",
            "ru": "Вы недавно отправили много предложений. Попробуйте снова через {minutes} мин.",
        },
        "form.bad_key": {
            "en": "This form is not set up correctly (its key is not accepted). Please tell the site's "
                  "administrator.",
            "ru": "Форма настроена неверно (её ключ не принят). Сообщите, пожалуйста, администратору сайта.",
        },
        "form.no_customer": {
            "en": "This form does not know which customer you are. Please tell the site's administrator.",
            "ru": "Форма не знает, какой вы клиент. Сообщите, пожалуйста, администратору сайта.",
        },
        "form.invalid": {
            "en": "The suggestion was not accepted. Please check the form and try again.",
            "ru": "Предложение не принято. Проверьте форму и попробуйте снова.",
        },
        "form.failed": {
            "en": "The suggestion could not be sent. Please try again later.",
            "ru": "Не удалось отправить предложение. Попробуйте позже.",
        },
    },
    "reports": {
        "reports.title": {"en": "Topics over time", "ru": "Темы обращений по периодам"},
        "reports.period": {"en": "Period", "ru": "Период"},
        "reports.measure": {"en": "Count", "ru": "Считать"},
        "reports.language": {"en": "Report language", "ru": "Язык отчёта"},
        "reports.csv": {"en": "Download CSV", "ru": "Скачать CSV"},
        "reports.xlsx": {"en": "Download Excel (XLSX)", "ru": "Скачать Excel (XLSX)"},
        "reports.top_growing": {"en": "Top growing topics", "ru": "Быстрее всего растущие темы"},
        "reports.table": {"en": "By category and subcategory", "ru": "По категориям и подкатегориям"},
        "reports.change": {"en": "Change", "ru": "Изменение"},
        "reports.total": {"en": "Total", "ru": "Итого"},
        "release.title": {"en": "Release impact", "ru": "Эффект релиза"},
        "release.none": {"en": "No released epics yet.", "ru": "Выпущенных эпиков пока нет."},
        "release.per_week": {"en": "tickets a week", "ru": "обращений в неделю"},
        "release.before": {"en": "Before the release", "ru": "До релиза"},
        "release.after": {"en": "After the release", "ru": "После релиза"},
        "reports.periods": {"en": "Periods", "ru": "Периодов"},
        "reports.count": {"en": "Count", "ru": "Количество"},
        "reports.start": {"en": "Start", "ru": "Начало"},
        "reports.none": {"en": "(none)", "ru": "(не указано)"},
        "reports.change_pct": {"en": "Change %", "ru": "Изменение, %"},
        "reports.no_growth": {"en": "no topic grew", "ru": "роста нет"},
        "reports.heading": {"en": "{measure} by {period}, {span}", "ru": "{measure} по периодам: {period}, {span}"},
        "reports.unit.week": {"en": "week", "ru": "неделя"},
        "reports.unit.month": {"en": "month", "ru": "месяц"},
        "reports.unit.quarter": {"en": "quarter", "ru": "квартал"},
        "reports.growth_floor": {"en": "≥ {volume} in {period}", "ru": "≥ {volume} за {period}"},
        "reports.released_epics": {"en": "Released epics", "ru": "Выпущенные эпики"},
        "reports.sheet.data": {"en": "Data", "ru": "Данные"},
        "reports.sheet.pivot": {"en": "Pivot", "ru": "Сводная"},
        # reports: own dates, partial periods compared like with like, "too early" after a release (issue 16.5)
        "release.days": {"en": "{count} d", "ru": "{count} дн."},
        "reports.days_counted": {"en": "Days counted", "ru": "Дней учтено"},
        "reports.as_of": {"en": "As of", "ru": "На дату"},
        "reports.partial": {"en": "partial: {days} of {total} days", "ru": "неполный: {days} из {total} дн."},
        "reports.baseline": {"en": "{span} (same days)", "ru": "{span} (те же дни)"},
        "reports.partial_note": {
            "en": "{period} is not over yet: {days} of {total} days so far. Its change compares it with the same "
                  "{days} days of the period before ({span}), not with the whole period.",
            "ru": "{period} ещё не закончился: прошло {days} из {total} дн. Изменение сравнивает его с теми же "
                  "{days} дн. предыдущего периода ({span}), а не со всем периодом.",
        },
        "reports.undated_note": {
            "en": "{count} of the counted {measure} have no date from the helpdesk: they are counted on the day "
                  "the bridge first saw them.",
            "ru": "У {count} из посчитанных ({measure}) нет даты от службы поддержки: они посчитаны по дню, когда "
                  "мост впервые их увидел.",
        },
        "release.too_early": {
            "en": "Too early to tell: {days} of {needed} days since the release; the figure comes on {day}.",
            "ru": "Пока рано судить: с релиза прошло {days} из {needed} дн.; оценка появится {day}.",
        },
        "release.compared": {
            "en": "{days} days after the release against the {days} days before it",
            "ru": "{days} дн. после релиза против {days} дн. до него",
        },
        # release digest for support, sales and customer success (issue 16.9)
        "digest.title": {"en": "Release digest", "ru": "Дайджест релиза"},
        "digest.heading": {"en": "Release digest: {release}, released {day}",
                           "ru": "Дайджест релиза: {release}, выпущен {day}"},
        "digest.release": {"en": "Release", "ru": "Релиз"},
        "digest.release_version": {"en": "version {version}", "ru": "версия {version}"},
        "digest.release_week": {"en": "week {week} (no fix version)", "ru": "неделя {week} (без версии)"},
        "digest.summary": {
            "en": "For support, sales and customer success: changes: {changes}; organisations that asked: "
                  "{organizations}, of them key accounts: {key_accounts}.",
            "ru": "Для поддержки, продаж и сопровождения клиентов: изменений: {changes}; просивших организаций: "
                  "{organizations}, из них ключевых клиентов: {key_accounts}.",
        },
        "digest.none": {
            "en": "Nothing released yet: a release appears here once the tracker reports an epic released.",
            "ru": "Пока ничего не выпущено: релиз появится здесь, когда трекер сообщит о выпуске эпика.",
        },
        "digest.rule": {"en": "Key accounts: {rule}.", "ru": "Ключевые клиенты: {rule}."},
        "digest.rule.paid": {"en": "at least {paid} paid accounts", "ru": "от {paid} платных аккаунтов"},
        "digest.rule.segments": {"en": "segment {segments}", "ru": "сегмент {segments}"},
        "digest.rule.or": {"en": " or ", "ru": " или "},
        "digest.released": {"en": "Released", "ru": "Выпущено"},
        "digest.critical": {"en": "Critical change", "ru": "Критичное изменение"},
        "digest.asked": {"en": "Who asked", "ru": "Кто просил"},
        "digest.asked_text": {
            "en": "tickets: {tickets}, organisations: {organizations} ({segments}), paid accounts: {paid}",
            "ru": "обращений: {tickets}, организаций: {organizations} ({segments}), платных аккаунтов: {paid}",
        },
        "digest.key_accounts": {"en": "Key accounts", "ru": "Ключевые клиенты"},
        "digest.no_key_accounts": {"en": "No key account asked for it.", "ru": "Ключевые клиенты об этом не просили."},
        "digest.paid": {"en": "paid accounts: {count}", "ru": "платных аккаунтов: {count}"},
        "digest.manager": {"en": "manager: {name}", "ru": "менеджер: {name}"},
        "digest.no_manager": {"en": "no manager recorded", "ru": "менеджер не указан"},
        "digest.follow_up": {
            "en": "Its requesters are asked how it works for them {days} days after the release.",
            "ru": "Через {days} дн. после релиза мы спросим клиентов, как это у них работает.",
        },
        "digest.markdown": {"en": "Download Markdown", "ru": "Скачать Markdown"},
        "digest.yes": {"en": "yes", "ru": "да"},
        "digest.no": {"en": "no", "ru": "нет"},
        "digest.col.number": {"en": "Number", "ru": "Номер"},
        "digest.col.link": {"en": "Epic link", "ru": "Ссылка на эпик"},
        "digest.col.segments": {"en": "Organisations by segment", "ru": "Организации по сегментам"},
        "digest.outline": {"en": "Help article outline (draft)", "ru": "План статьи для базы знаний (черновик)"},
        "digest.outline.title": {"en": "{title}: what is new and how to use it",
                                 "ru": "{title}: что нового и как этим пользоваться"},
        "digest.outline.changed_heading": {"en": "What changed", "ru": "Что изменилось"},
        "digest.outline.changed_missing": {
            "en": "Describe the change in a sentence or two: no analyst notes were recorded.",
            "ru": "Опишите изменение в одном-двух предложениях: заметок аналитика нет.",
        },
        "digest.outline.benefits_heading": {"en": "Who benefits", "ru": "Кому это полезно"},
        "digest.outline.benefits": {
            "en": "Organisations that asked for it: {organizations} ({segments}); tickets: {tickets}; topic: {topic}.",
            "ru": "Об этом просили организаций: {organizations} ({segments}), обращений: {tickets}; тема: {topic}.",
        },
        "digest.outline.asked_heading": {"en": "In the customers' words", "ru": "Словами клиентов"},
        "digest.outline.steps_heading": {"en": "Steps", "ru": "Шаги"},
        "digest.outline.step_where": {"en": "Where to find it: … (fill in)", "ru": "Где найти: … (заполните)"},
        "digest.outline.step_do": {"en": "What to do: … (fill in)", "ru": "Что сделать: … (заполните)"},
        "digest.outline.step_result": {"en": "What the customer sees then: … (fill in)",
                                       "ru": "Что клиент увидит в результате: … (заполните)"},
    },
    # Issue #16 items 4 and 6 (helper "handover"): the hand-over to the tracker, and the customers' answers.
    "handover": {
        "action.handover": {"en": "Hand over again", "ru": "Передать снова"},
        "done.handover": {
            "en": "The hand-over to the tracker is being tried again.",
            "ru": "Передача в трекер повторяется.",
        },
        "handover.tracker.jira": {"en": "Jira", "ru": "Jira"},
        "handover.tracker.yandex_tracker": {"en": "Yandex Tracker", "ru": "Яндекс Трекер"},
        "handover.refused.no_tracker": {
            "en": "No tracker is configured, so the issue {key} cannot be checked: nothing was changed.",
            "ru": "Трекер не настроен, поэтому задачу {key} нельзя проверить: ничего не изменено.",
        },
        "handover.refused.format": {
            "en": "“{key}” is not a {tracker} issue key: it needs a project key, a hyphen and a number, like "
                  "PROJ-123. Nothing was changed.",
            "ru": "«{key}» — не ключ задачи трекера ({tracker}): нужен ключ проекта, дефис и номер, например "
                  "PROJ-123. Ничего не изменено.",
        },
        "handover.refused.unknown": {
            "en": "{tracker} has no issue {key} (or the bridge's {tracker} user may not see it): nothing was changed.",
            "ru": "В трекере ({tracker}) нет задачи {key}, или пользователь моста её не видит: ничего не изменено.",
        },
        "handover.refused.unreachable": {
            "en": "{tracker} cannot be reached to check {key} ({error}): the group was not changed; try again later.",
            "ru": "Трекер ({tracker}) недоступен, задачу {key} проверить не удалось ({error}): группа не "
                  "изменена; попробуйте позже.",
        },
        "handover.failed": {
            "en": "The hand-over to the tracker failed.",
            "ru": "Передать группу в трекер не удалось.",
        },
        "handover.retrying": {
            "en": "The hand-over to the tracker keeps failing ({attempts} tries so far); it is tried again by itself.",
            "ru": "Передать группу в трекер пока не удаётся (попыток: {attempts}); попытки продолжаются.",
        },
        "handover.reason": {"en": "Reason", "ru": "Причина"},
        "handover.next_try": {"en": "Next try at {at} UTC.", "ru": "Следующая попытка в {at} UTC."},
        "handover.linking": {
            "en": "Approved: the existing issue {key} is being linked in the tracker.",
            "ru": "Одобрено: существующая задача {key} привязывается в трекере.",
        },
        "handover.customers_wait": {
            "en": "The customers hear of the approval once the tracker has the epic.",
            "ru": "Клиенты узнают об одобрении, когда эпик появится в трекере.",
        },
        "handover.hint": {
            "en": "Keep the issue to try it again, name another existing issue, or leave it empty for a new epic.",
            "ru": "Оставьте задачу, чтобы попробовать снова, укажите другую существующую задачу или оставьте поле "
                  "пустым для нового эпика.",
        },
        "audit.action.handover_retry": {
            "en": "Hand-over to the tracker tried again",
            "ru": "Передача в трекер повторена",
        },
        "answers.title": {"en": "Customers' answers", "ru": "Ответы клиентов"},
        "answers.badge": {"en": "answered", "ru": "есть ответы"},
        "answers.to": {"en": "To the question", "ru": "На вопрос"},
        "answers.none": {
            "en": "No answers yet: they appear here once the customers reply on their tickets.",
            "ru": "Ответов пока нет: они появятся здесь, когда клиенты ответят в своих обращениях.",
        },
        "audit.detail.previous_key": {"en": "Issue before", "ru": "Задача прежде"},
        "audit.detail.error": {"en": "Last error", "ru": "Последняя ошибка"},
    },
}

TEXTS: dict[str, dict[str, str]] = {key: texts for area in CATALOGUE.values() for key, texts in area.items()}


def translate(key: str, language: str, /, **values: object) -> str:
    """The text of `key` in `language`; in English when that language lacks it (or is unknown), the key itself
    when no language has it. `values` fill the text's placeholders; without values it is returned as written."""
    texts = TEXTS.get(key, {})
    text = texts.get(language) or texts.get(DEFAULT) or key
    return text.format(**values) if values else text


def label(kind: str, value: str, language: str) -> str:
    """Our name for `value` of `kind` ('segment', 'channel', 'audit.action', ...): the text of `kind.value`, or
    `value` itself when it is not ours (a segment an admin added, a helpdesk's own channel)."""
    key = f"{kind}.{value}"
    return translate(key, language) if key in TEXTS else value


def translator(language: str) -> Callable[..., str]:
    """`_(key, **values)` in `language`, for a template."""

    def _(key: str, /, **values: object) -> str:
        return translate(key, language, **values)

    return _


def language_of(tag: str | None) -> str:
    """The language of a tag ('ru', 'ru-RU', 'RU_ru' → 'ru'); DEFAULT for no tag or one not in LANGUAGES."""
    language = (tag or "").replace("_", "-").split("-")[0].lower()
    return language if language in LANGUAGES else DEFAULT
