"""Texts for the demo's sandbox tickets: customer wishes (several phrasings of each, so grouping has work to
do), bugs and questions, in Russian and English, per topic of mappings/topics.yaml."""

from __future__ import annotations

WISHES: dict[tuple[str, str], dict[str, list[str]]] = {
    ("marking", "aggregation"): {
        "ru": ["Добавьте массовую агрегацию кодов маркировки в короба",
               "Нужна агрегация кодов в транспортную упаковку прямо из интерфейса",
               "Просим сделать агрегирование КИЗ в коробы без выгрузки в Excel",
               "Хотим агрегировать коды маркировки сканером сразу в короб"],
        "en": ["Please add bulk aggregation of marking codes into boxes",
               "We need to aggregate labelling codes into shipping cartons in the UI"],
    },
    ("marking", "code_ordering"): {
        "ru": ["Хотим заказывать коды маркировки по расписанию",
               "Автоматический заказ кодов при остатке меньше порога"],
        "en": ["Order marking codes automatically when the stock runs low", "Schedule code orders every Monday"],
    },
    ("marking", "withdrawal"): {
        "ru": ["Нужен массовый вывод из оборота по списку кодов", "Вывод из оборота сразу для всей партии"],
        "en": ["Bulk withdrawal from circulation for a list of codes"],
    },
    ("reports", "export"): {
        "ru": ["Добавьте выгрузку отчётов в Excel с фильтрами", "Нужна выгрузка отчёта по остаткам в xlsx",
               "Сделайте экспорт отчётов в Excel, пожалуйста"],
        "en": ["Export reports to Excel with the filters applied", "Please add an xlsx export of the stock report",
               "We want to export every report to Excel"],
    },
    ("reports", "dashboards"): {
        "ru": ["Хотим дашборд по продажам по регионам", "Нужна сводная панель с графиками по складам"],
        "en": ["A sales dashboard by region would help", "Dashboard with warehouse charts on the start page"],
    },
    ("reports", "scheduled"): {
        "ru": ["Рассылка отчётов на почту по расписанию", "Отправляйте еженедельный отчёт руководителю на email"],
        "en": ["Email the weekly report on a schedule", "Scheduled delivery of reports to our managers"],
    },
    ("integrations", "one_c"): {
        "ru": ["Нужна двусторонняя интеграция с 1С:Бухгалтерия", "Синхронизация справочников с 1С без ручного обмена",
               "Интеграция с 1С УТ 11 для обмена документами"],
        "en": ["Two-way integration with 1C accounting"],
    },
    ("integrations", "api"): {
        "ru": ["Добавьте в API метод для получения статусов документов", "Нужен вебхук при смене статуса документа"],
        "en": ["Add an API endpoint for document statuses", "Webhooks when a document status changes",
               "Please expose document status through the REST API"],
    },
    ("integrations", "marketplaces"): {
        "ru": ["Интеграция с Wildberries для передачи кодов", "Передача кодов маркировки на Ozon автоматически"],
        "en": ["Integration with Ozon for marking codes"],
    },
    ("edo", "upd"): {
        "ru": ["Подписание УПД пакетом, а не по одному", "Массовое подписание УПД одной кнопкой",
               "Нужно пакетное подписание универсальных передаточных документов"],
        "en": ["Sign transfer documents in bulk rather than one by one"],
    },
    ("edo", "roaming"): {
        "ru": ["Роуминг с другими операторами ЭДО по закону 63-ФЗ",
               "Согласно постановлению правительства нужен роуминг между операторами ЭДО"],
        "en": ["Roaming with other e-document operators as the law requires"],
    },
    ("billing", "invoices"): {
        "ru": ["Счета на оплату в личном кабинете с историей", "Хотим видеть все счета и акты в кабинете"],
        "en": ["Show all invoices and their history in the account", "Download every invoice from the portal"],
    },
    ("billing", "tariffs"): {
        "ru": ["Тариф с оплатой за фактическое количество кодов"],
        "en": ["A pay-per-code plan for small shops", "Monthly plan billed by the number of codes used"],
    },
    ("mobile", "scanning"): {
        "ru": ["Сканирование кодов камерой телефона в приложении", "Пакетное сканирование DataMatrix в мобильном"],
        "en": ["Scan DataMatrix codes with the phone camera", "Batch scanning in the mobile app"],
    },
    ("mobile", "offline"): {
        "ru": ["Офлайн-режим приложения на складе без интернета", "Работа мобильного приложения без сети"],
        "en": ["Offline mode for the warehouse app", "Let the mobile app work without a connection"],
    },
}

BUGS: dict[str, list[str]] = {
    "ru": ["Ошибка при отправке документа: сервер вернул 500", "Не загружается список кодов после обновления",
           "Приложение вылетает при сканировании", "Отчёт формируется с пустыми строками"],
    "en": ["Error 500 when sending a document", "The code list does not load after the update",
           "The app crashes while scanning", "The report has empty rows"],
}

QUESTIONS: dict[str, list[str]] = {
    "ru": ["Как изменить реквизиты организации?", "Где посмотреть статус заказа кодов?",
           "Как добавить нового пользователя?"],
    "en": ["How do I change the company details?", "Where can I see the status of a code order?",
           "How do I add a new user?"],
}

ORGANIZATIONS: list[tuple[str, str, int]] = [
    ("ООО «Ромашка»", "enterprise", 120), ("АО «Северсталь-Логистик»", "enterprise", 340),
    ("ИП Петров", "smb", 2), ("ООО «Вкусный дом»", "business", 25), ("Acme Retail Ltd", "enterprise", 210),
    ("Globex Foods", "business", 40), ("ООО «Аптека Плюс»", "business", 55), ("ИП Сидорова", "smb", 1),
    ("Nordic Shoes AB", "smb", 6), ("ООО «Молочный край»", "business", 30), ("ЗАО «ФармТрейд»", "enterprise", 150),
    ("Blue Lake Cosmetics", "free", 0),
]

PEOPLE: dict[str, list[str]] = {
    "ru": ["Ирина Смирнова", "Алексей Кузнецов", "Мария Попова", "Дмитрий Волков", "Ольга Соколова",
           "Сергей Морозов", "Анна Лебедева", "Никита Козлов"],
    "en": ["Emma Clarke", "John Miller", "Sofia Berg", "Lucas Martin", "Olivia Brown"],
}
