"""Rule kinds across the bundled languages: captions with a credit, wire sign-offs, walls and offers,
live-blog and share rows, newsletter prompts, read times, enlarge markers, republished notes,
bylines. Each dirt line is one the bundled rules did not know before; each prose line is the
look-alike a rule of that kind must leave alone."""

from __future__ import annotations

import pytest

from newsbot.clean.rules import RuleSet, default_ruleset


@pytest.fixture(scope="module")
def rules() -> RuleSet:
    return default_ruleset()


DIRT = [
    # captions that end with a credit (with or without an enlarge marker before them)
    "Smoke rises over the city after an overnight strike. Photo: AFP",
    "Des camions sur la route de Tombouctou, en janvier. Photo : AFP",
    "Soldados patrullan una carretera en el Cauca. Foto: EFE",
    "Ein zerstörtes Wohnhaus in Charkiw. Foto: dpa",
    "Зруйнований будинок у Харкові. Фото: Укрінформ",
    "دخان يتصاعد فوق الخرطوم بحري. تصوير: رويترز",
    "مرز دوغارون در غرب افغانستان. عکس: ایسنا",
    "Sınır kapısında bekleyen tırlar. Fotoğraf: AA",
    "A damaged grain terminal in Izmail. © Reuters",
    "[click to enlarge] A child receives treatment at a clinic. © WHO",
    "[Нажмите, чтобы увеличить] Грузовики на пункте пропуска. © Reuters",
    "[انقر لتكبير الصورة] دخان يتصاعد فوق المدينة. تصوير: رويترز",
    "Photo : Grands Lacs Info / J. Mumbere",
    # wire sign-offs
    "(Reporting by Patrick Mbala in Goma; additional reporting by Aimé Kasereka; editing by Helen Marsh)",
    "Writing by John Smith; Editing by Jane Doe",
    "(Reportage Patrick Mbala ; rédigé par Jean Dupont ; édité par Sophie Louet)",
    "(Reporte de María López; Editado en español por Juan Pérez)",
    "(Bericht von Anna Schmidt; redigiert von Peter Müller)",
    "(Репортаж Олега Петрова; редактор Анна Иванова)",
    "(Haber: Mehmet Kaya; Editör: Ayşe Demir)",
    "(تغطية صحفية أحمد علي - إعداد سارة محمد للنشرة العربية - تحرير ليلى حسن)",
    # metered walls, offers and account buttons
    "You have read all your free articles this month. Subscribe from £1 a week to continue reading.",
    "Subscribe now · Log in",
    "Digital subscription: first month for $1",
    "Suscripción digital: primer mes por 1 dólar",
    "Abonnement numérique : 1 € le premier mois",
    "Vous avez lu tous vos articles gratuits ce mois-ci.",
    "Bu içeriğin devamı abonelerimize özeldir. Okumaya devam etmek için abone olun",
    "Abone ol · Giriş yap",
    "Abonnieren · Anmelden",
    "Вы прочитали все бесплатные статьи в этом месяце",
    "Щоб продовжити читання, оформіть передплату",
    # live-blog controls
    "Refresh · Show all posts",
    "Voir plus de posts",
    "Показати ще",
    "Показать больше публикаций",
    "Mehr Beiträge anzeigen",
    "Ver más publicaciones",
    "عرض المزيد من التحديثات",
    "Actualiser · Voir tous les posts",
    "Aktualisieren · Alle Beiträge anzeigen",
    "Yenile · Daha fazla göster",
    "بارگذاری مجدد · نمایش بیشتر",
    # share rows
    "Partager sur Facebook · Partager sur X · Envoyer par e-mail",
    "شارك الخبر: فيسبوك · واتساب · تلغرام",
    "شارك هذا المقال",
    "اشتراک‌گذاری: تلگرام · واتساپ · ایکس",
    "Auf Facebook teilen · Per E-Mail versenden",
    "Compartir en Facebook · Enviar por correo",
    # newsletter prompts
    "Sign up to the Ledger Morning Brief",
    "Подписывайтесь на нашу рассылку, чтобы не пропустить главное",
    "Підписуйтесь на нашу розсилку",
    "The Frontline Daily Newsletter",
    "Liked this article? Share it with a friend.",
    "There is more where that came from. Sign up for our free weekly newsletter, delivered to your inbox.",
    # read times, with number words and the Arabic dual
    "وقت القراءة: دقيقتان",
    "دقيقتان للقراءة",
    "One-minute read",
    "Lecture : deux minutes",
    "3 dakikalık okuma",
    "زمان مطالعه: کمتر از یک دقیقه",
    # click-to-enlarge markers
    "[انقر لتكبير الصورة]",
    "[нажмите, чтобы увеличить]",
    "[Cliquez pour agrandir]",
    "[Zum Vergrößern klicken]",
    "[برای بزرگ‌نمایی کلیک کنید]",
    "[Büyütmek için tıklayın]",
    "[Haga clic para ampliar]",
    "[Натисніть, щоб збільшити]",
    # first-published notes
    "این یادداشت نخستین بار در ماهنامه «اقتصاد امروز» منتشر شده است.",
    "Материал впервые опубликован в журнале «Ближний Восток сегодня».",
    "Матеріал вперше опубліковано на сайті «Дзеркало тижня».",
    "Cette tribune a été initialement publiée dans Le Monde.",
    "Esta nota se publicó originalmente en El País.",
    "ظهر هذا المقال للمرة الأولى في مدونة الكاتب.",
    "Bu söyleşi ilk kez Cumhuriyet gazetesinde yayımlandı.",
    # bylines
    "Par Josué Mumbere, à Goma",
    "Por María López, en Bogotá",
    "Von Markus Albrecht, Vilnius",
    "Автор: Дмитрий Волков",
    "Yazan: Mehmet Kaya",
    "بقلم: سارة عبد الرحمن",
    "نویسنده: مریم رضایی",
    "De notre correspondant à Goma",
    # lead-ins of a box of links to other articles
    "Das könnte dich auch interessieren:",
    "Dieses Thema könnte Sie auch interessieren",
    "Zum Weiterlesen:",
    "Weitere Themen",
    "Ähnliche Artikel",
    # comment and account prompts, calls to subscribe or follow
    "Keine Kommentare (Kommentare erscheinen nach Freigabe)",
    "Kommentare insgesamt: 3",
    "Sie sind derzeit nicht angemeldet.",
    "Du musst angemeldet sein, um einen Kommentar zu schreiben!",
    "Um den Beitrag kommentieren zu können, müssen Sie eingeloggt sein.",
    "Teilen mit:",
    "Lust auf mehr? Hol dir unseren Newsletter jeden Freitag in dein Postfach.",
    "Subscribe today to our print edition for the full story.",
    "To read the full article, please subscribe to the Valley Courier.",
    "If you are seeing this page and you are already a subscriber, log in to read on.",
    "Sign up to receive the latest headlines from the front every morning.",
    "For the latest news and alerts, download the Courier app for Android and iOS.",
    "We want to hear what you think about this story. Write to us.",
    "If you liked this article, please consider supporting our reporting.",
    "Submit a letter to the editor here.",
    "Do you want to stay informed about our campaigns? Sign up here",
    "¿Sabías que tenemos un canal de WhatsApp? Únete aquí.",
    "Síguenos en nuestro canal de Telegram",
    "¡Visita nuestro canal de YouTube!",
    "Hazte socio y recibe la edición impresa",
    # picture credits and page stamps
    "Titelbild: Anna Schmidt / dpa",
    "Letzte Änderung 03.11.2024",
    # disclosures, embed placeholders, reprint notices, long social prompts (written for this
    # test, in each language's usual wording)
    "This post contains affiliate links, which means we may receive a commission if you buy.",
    "We may earn a small commission when you buy through links on our site.",
    "Our editors pick every product independently; advertisers do not influence our reviews.",
    "Advertise with us: reach half a million readers a month across the region.",
    "Click the button below to load the content from www.mapservice.example.",
    "This article is the copyrighted property of The Harbour Times. Written permission must be "
    "obtained before reprint.",
    "Follow the Evening Courier on Twitter and Instagram @EveningCourier and on Facebook, and send "
    "us your photos and stories from the region.",
    "*Werbung. Dieser Beitrag enthält Werbung für einen Outdoor-Hersteller.",
    "Bei den Links handelt es sich um Affiliate-Links: Kaufen Sie darüber, erhalten wir eine Provision.",
    "Anzeige, enthält Affiliate Links",
    "Klicken Sie auf den unteren Button, um den Inhalt von www.kartendienst.example zu laden.",
    "Mit der Registrierung akzeptieren Sie unsere Datenschutz- und Nutzungsbedingungen.",
    "© 2024 Stadtanzeiger. Vervielfältigung nur mit Genehmigung des Verlags.",
    "Lust auf mehr? Lass dir die besten Geschichten der Redaktion jede Woche in deinen Posteingang schicken.",
    "Este artículo contiene enlaces de afiliados: si compras a través de ellos, recibimos una comisión.",
    "Haz clic en el botón para cargar el contenido de www.mapas.example.",
    "Prohibida la reproducción total o parcial sin autorización del editor.",
    "Cet article contient des liens affiliés : nous percevons une commission sur vos achats.",
    "Cliquez sur le bouton ci-dessous pour charger le contenu de www.cartes.example.",
    "Reproduction interdite sans autorisation de l'éditeur.",
    # navigation labels, comment prompts, a layout table's one-cell row
    "Kategorien",
    "Schlagworte: Energie, Klima, Verkehr",
    "Meistdiskutiert",
    "Etiquetas: elecciones, Congreso",
    "Notas relacionadas",
    "View Comments",
    "Let us know what you think in the comments below.",
    "Verraten Sie uns gerne in den Kommentaren, wie Sie das sehen.",
    "Mit unserem Newsletter erhalten Sie jede Woche die wichtigsten Nachrichten aus der Region.",
    "Gefällt dir unser Magazin? Dann unterstütze uns mit einem Abo oder einer Spende.",
    "Die aktuelle Ausgabe gibt es jetzt am Kiosk, im Abo und als E-Paper.",
    "| Weitere Artikel zum Thema |",
    "| | Kommentare insgesamt: 0 | |",
    "Quelle: Deutscher Tierschutzbund, 02. Februar 2024, Bonn",
    "Bild anzeigen",
    "Weitere Informationen:",
    "Kontakt:",
    "Media contacts:",
    "Originalpublikation",
    "Weitere Infos unter www.lauftreff.example.",
    "Alles über die neuen Fahrräder findest du hier.",
    "Unterstütze unser Magazin bereits mit 2,50 Euro im Monat!",
    "(Alle Angaben ohne Gewähr)",
    "Release date: 04/21/2024",
    "Filed under: Elections |",
    "You may also like...",
    "If you buy something through this post, the site may get a share of the sale.",
    "Get access to the region's best business news for as little as 5 dollars a month.",
    "Maria Lopez and John Smith contributed reporting from Kyiv.",
    "[button link=”https://example.org/submit/” type=”big”] Send us your review[/button]",
    "Tempo de leitura: 2 minutos",
    "Leia também: Governo anuncia novo plano",
    "ATENÇÃO: Comentários ofensivos não serão aprovados pelo moderador.",
    "sexta-feira, 22 de outubro de 2010 às 20:13",
    # a player's and a media library's lines
    "Video verfügbar bis 28.02.2021",
    "Verfügbar bis 03.12.2027, 23:59 Uhr",
    "Video: 2:34 Min.",
    "Dauer: 03:12",
    "Dieses Skript als PDF herunterladen",
    "Available until 12/12/2027",
    "Video 2:34",
    "Duration: 3:12",
    "Download the transcript",
    # Japanese paywall, share and credit lines
    "［有料会員限定］ この記事は会員限定です。電子版に登録すると続きをお読みいただけます。",
    "有料会員の方のみご利用になれます。保存した記事はスマホやタブレットでもご覧いただけます。",
    "ご利用には会員登録が必要です",
    "＞ ログイン",
    "記事保存",
    "シェア ツイート LINE",
    "この記事をシェアする",
    "このニュースをシェア",
    "関連記事",
    "写真：ロイター",
    "（共同）",
    "この記事は約3分で読めます",
    # Chinese CMS markers: editor and source credits, button rows, reprint notices
    "【责任编辑:张樵苏】",
    "责任编辑：王宁",
    "（编辑：李华 审核：陈刚）",
    "来源：新华网",
    "图片来源：视觉中国",
    "【纠错】",
    "【纠错】 【打印】 【关闭】",
    "分享到：微信 微博 QQ空间",
    "扫一扫分享到朋友圈",
    "点击查看大图",
    "相关新闻：联合国安理会就加沙局势举行紧急会议",
    "延伸阅读",
    "原标题：乌克兰东部前线战事持续",
    "未经授权，禁止转载",
    "本文为环球网原创，转载请注明出处",
    "版权声明：本网站所刊载信息，不代表本站观点。",
    "阅读时间：3分钟",
]

PROSE = [
    # look-alikes of the disclosure, embed and reprint rules: reporting about them
    "The regulator said the platform's affiliate links had misled buyers, and fined it 2 million euros.",
    "Officials said the contractor would earn a commission of 5 percent on every convoy it organised.",
    "“We get a fee from the city for each family we house,” the shelter's director said.",
    "„Wir erhalten eine Provision vom Land für jede Familie“, sagte die Leiterin der Unterkunft.",
    "The ministry said advertisers had pulled out of the state broadcaster after the vote.",
    "Residents were told to click a link in a text message, which loaded malware on their phones.",
    "Die Staatsanwaltschaft ermittelt, ob die Affiliate-Links der Plattform Käufer getäuscht haben.",
    "Der Verlag sagte, ein Nachdruck des Interviews sei ohne Genehmigung erschienen.",
    "La fiscalía investiga si los enlaces de afiliados de la tienda engañaron a los compradores.",
    "Le ministère a indiqué que la reproduction des documents était interdite depuis 2019.",
    "Die Themen der Konferenz waren Energie, Klima und Verkehr.",
    "Los temas de la cumbre fueron la energía y la migración.",
    "Readers left hundreds of comments under the minister's post.",
    "Die aktuelle Ausgabe des Berichts zeigt mehr Vertriebene als je zuvor.",
    "| Kategorien | Anzahl |",
    "| Kontakt: | Telefon 030 123 |",
    "Tags on the crates showed they had been shipped from the port in March.",
    "If you buy bread in the city now, you queue for two hours, residents said.",
    "Reporters contributed to the investigation, which took two years.",
    "O tempo de leitura do relatório é de duas horas, disse o ministro.",
    "Na sexta-feira, 22 de outubro, o governo anunciou o cessar-fogo.",
    "Weitere Informationen gab die Polizei am Abend nicht bekannt.",
    "Die Quelle des Feuers war am Morgen noch unklar, sagte ein Sprecher.",
    "Sources said the convoy had crossed the border before dawn.",
    "Die Helfer unterstützen die Familien mit 200 Euro im Monat, sagte die Stadt.",
    # a credit word inside prose: a sentence ends with its own full stop
    "The photo: a boy on a tank, shared thousands of times, became the symbol of the siege.",
    "Photo evidence shows the convoy was hit twice.",
    # wire-like openings that are sentences
    "Reporting by the BBC and Reuters showed the convoy was hit twice.",
    "Reporting by the BBC, research by Amnesty International found 12 deaths.",
    "Editing by the military censor delayed the broadcast by two hours.",
    # walls and offers look-alikes
    "Subscription prices rose to $5 a month, the company said.",
    "Sie haben bereits das Dorf erreicht, sagte der Kommandeur.",
    "بلغت درجات الحرارة الحد الأقصى من الارتفاع هذا الأسبوع.",
    "برای اعضای پارلمان جلسه‌ای فوق‌العاده برگزار شد.",
    "Abone sayısı savaş sırasında arttı.",
    # live and share look-alikes
    "Refresh your memory: the ceasefire collapsed twice last year.",
    "Daha fazla güncelleme bekleniyor.",
    "Mehr Beiträge zur Rente sollen fließen.",
    "Das Wichtigste in Kürze",
    "Partager le pouvoir reste difficile, selon les médiateurs.",
    "شارك آلاف المتظاهرين في المسيرة يوم الجمعة.",
    "The Pentagon briefing",
    "Newsletters from the front were censored, the historian said.",
    # byline look-alikes
    "Par ailleurs, l'armée malienne a annoncé un nouveau bilan.",
    "Por otra parte, el Gobierno anunció una tregua.",
    "Von Montag an gilt eine nächtliche Ausgangssperre.",
    "Автор доклада Иван Петров заявил, что данные неполные.",
    # look-alikes of the lead-in, comment, subscribe and follow prompts: sentences
    "Das Thema könnte auch die Innenminister interessieren, sagte sie.",
    "Keine Kommentare gab es zunächst vom Verteidigungsministerium.",
    "Sie sind nicht angemeldet gewesen, als die Polizei kam, sagten die Nachbarn.",
    "Subscribe to the idea that the war is over, and you will be disappointed.",
    "If you liked this story, the general said, you will like the next one less.",
    "We want to hear what you think, the mayor told the crowd in the square.",
    "Sigue la polémica por el canal de YouTube del diputado, que fue suspendido.",
    "¿Sabías que el grupo de WhatsApp de los vecinos organizó la evacuación?",
    "Weitere Themen der Konferenz waren die Lage in Gaza und im Sudan.",
    # media look-alikes: sentences about a video and its length
    "Das Video ist bis heute verfügbar, sagte der Sprecher.",
    "Die Dauer des Einsatzes ist noch unklar.",
    "15 – 30 Min",
    "The video, available until Friday, shows the convoy under fire.",
    "Download speeds fell by half after the strike on the exchange.",
    # Japanese look-alikes: news sentences with the same words, in the plain form
    "同クラブは会員限定の集会を開いた。",
    "攻撃者はログインが必要なシステムに侵入した。",
    "首相は演説の全文を読めるよう公開した。",
    "避難所の写真を共有した住民は、水が足りないと訴えた。",
    # Chinese look-alikes: news about editors, sources and reprints, and a reporter's question
    "该报编辑表示，来源可靠的消息显示停火谈判已经破裂。",
    "该公司未经授权转载了多篇文章。",
    "记者：停火协议能否维持下去",
    "来自前线的消息称，援助车队周二抵达该市。",
    "分享经验的志愿者说，救援物资仍然不足。",
    # first-published look-alike: a story about a publication
    "Материал уголовного дела опубликован в понедельник.",
]


@pytest.mark.parametrize("line", DIRT)
def test_dirt_removed(rules: RuleSet, line: str) -> None:
    res = rules.apply([line])
    assert res.paragraphs == [], res.removed


@pytest.mark.parametrize("line", PROSE)
def test_prose_kept(rules: RuleSet, line: str) -> None:
    res = rules.apply([line])
    assert res.paragraphs == [line], res.removed


def test_parenthesised_credit_is_cut_not_the_caption_sentence(rules: RuleSet) -> None:
    # In parentheses a credit may close a sentence of the story: only the credit goes.
    res = rules.apply(["Rescuers search the rubble (Photo by John Doe/AFP via Getty Images)"])
    assert res.paragraphs == ["Rescuers search the rubble"]
