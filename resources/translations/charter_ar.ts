<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="ar_EG">
<context>
    <name></name>
    <message>
        <source>Crypto</source>
        <translation>العملات المشفرة</translation>
    </message>
    <message>
        <source>card</source>
        <translation>بطاقة</translation>
    </message>
    <message>
        <source>cash</source>
        <translation>نقدًا</translation>
    </message>
    <message>
        <source>crypto</source>
        <translation>عملات مشفرة</translation>
    </message>
    <message>
        <source>just now</source>
        <translation>الآن</translation>
    </message>
    <message>
        <source>{n} min ago</source>
        <translation>منذ {n} دقيقة</translation>
    </message>
    <message>
        <source>{n} h ago</source>
        <translation>منذ {n} ساعة</translation>
    </message>
    <message>
        <source>{n} d ago</source>
        <translation>منذ {n} يوم</translation>
    </message>
</context>
<context>
    <name>AmountScreen</name>
    <message>
        <source>Choose an amount</source>
        <translation>اختر المبلغ</translation>
    </message>
    <message>
        <source>‹ Back</source>
        <translation>‹ رجوع</translation>
    </message>
    <message>
        <source>Back</source>
        <translation>رجوع</translation>
    </message>
    <message>
        <source>Choose your gift</source>
        <translation>اختر تبرعك</translation>
    </message>
    <message>
        <source>Other amount</source>
        <translation>مبلغ آخر</translation>
    </message>
    <message>
        <source>Make it monthly</source>
        <translation>اجعله تبرعًا شهريًا</translation>
    </message>
    <message>
        <source>On: this amount every month, by card. Cancel any time.</source>
        <translation>مفعّل: هذا المبلغ كل شهر بالبطاقة. يمكنك الإلغاء في أي وقت.</translation>
    </message>
    <message>
        <source>Off: a one-off gift.</source>
        <translation>غير مفعّل: تبرع لمرة واحدة.</translation>
    </message>
    <message>
        <source>Every month, by card on your phone. Cancel any time.</source>
        <translation>كل شهر، بالبطاقة عبر هاتفك. يمكنك الإلغاء في أي وقت.</translation>
    </message>
    <message>
        <source>Every gift helps. Pay by card, phone or crypto.</source>
        <translation>كل تبرع يُحدث فرقًا. ادفع بالبطاقة أو الهاتف أو العملات المشفرة.</translation>
    </message>
    <message>
        <source>Give {amount}</source>
        <translation>تبرّع بمبلغ {amount}</translation>
    </message>
</context>
<context>
    <name>AttractScreen</name>
    <message>
        <source>Welcome</source>
        <translation>أهلًا وسهلًا</translation>
    </message>
    <message>
        <source>Raised so far</source>
        <translation>ما جُمع حتى الآن</translation>
    </message>
    <message>
        <source>Progress towards the goal</source>
        <translation>التقدم نحو الهدف</translation>
    </message>
    <message>
        <source>Tap to give</source>
        <translation>المس للتبرع</translation>
    </message>
    <message>
        <source>Recent gifts</source>
        <translation>أحدث التبرعات</translation>
    </message>
    <message>
        <source>Getting the kiosk ready…</source>
        <translation>جارٍ تجهيز جهاز التبرع…</translation>
    </message>
    <message>
        <source>{percent}% of the {goal} goal</source>
        <translation>{percent}% من الهدف البالغ {goal}</translation>
    </message>
    <message>
        <source>+ {amount} on its way</source>
        <translation>+ {amount} في الطريق</translation>
    </message>
    <message>
        <source>1 donor</source>
        <translation>متبرع واحد</translation>
    </message>
    <message>
        <source>{n} donors</source>
        <translation>عدد المتبرعين: {n}</translation>
    </message>
    <message>
        <source>Be the first to give today</source>
        <translation>قدّم أول تبرع اليوم</translation>
    </message>
</context>
<context>
    <name>DisplayWindow</name>
    <message>
        <source>Charter Kiosk · live total</source>
        <translation>Charter Kiosk · الإجمالي المباشر</translation>
    </message>
    <message>
        <source>Welcome</source>
        <translation>أهلًا وسهلًا</translation>
    </message>
    <message>
        <source>TEST MODE</source>
        <translation>وضع الاختبار</translation>
    </message>
    <message>
        <source>Raised so far</source>
        <translation>ما جُمع حتى الآن</translation>
    </message>
    <message>
        <source>Progress towards the goal</source>
        <translation>التقدم نحو الهدف</translation>
    </message>
    <message>
        <source>Recent gifts</source>
        <translation>أحدث التبرعات</translation>
    </message>
    <message>
        <source>Gifts over time</source>
        <translation>التبرعات عبر الوقت</translation>
    </message>
    <message>
        <source>The chart fills in as gifts arrive.</source>
        <translation>يمتلئ الرسم البياني مع وصول التبرعات.</translation>
    </message>
    <message>
        <source>Waiting for the kiosk database…</source>
        <translation>في انتظار قاعدة بيانات جهاز التبرع…</translation>
    </message>
    <message>
        <source>{percent}% of {goal}</source>
        <translation>{percent}% من {goal}</translation>
    </message>
    <message>
        <source>+ {amount} on its way</source>
        <translation>+ {amount} في الطريق</translation>
    </message>
    <message>
        <source>{gross} given · {out} refunded or voided</source>
        <translation>المتبرَّع به: {gross} · المسترد أو الملغى: {out}</translation>
    </message>
    <message>
        <source>{n} donors</source>
        <translation>عدد المتبرعين: {n}</translation>
    </message>
    <message>
        <source>1 donor</source>
        <translation>متبرع واحد</translation>
    </message>
    <message>
        <source>Anonymous</source>
        <translation>فاعل خير</translation>
    </message>
    <message>
        <source>The first gift will appear here.</source>
        <translation>سيظهر أول تبرع هنا.</translation>
    </message>
</context>
<context>
    <name>EmailKeyboard</name>
    <message>
        <source>Delete</source>
        <translation>حذف</translation>
    </message>
</context>
<context>
    <name>ErrorScreen</name>
    <message>
        <source>Something went wrong</source>
        <translation>حدث خطأ ما</translation>
    </message>
    <message>
        <source>Back to start</source>
        <translation>العودة إلى البداية</translation>
    </message>
    <message>
        <source>Try again</source>
        <translation>إعادة المحاولة</translation>
    </message>
</context>
<context>
    <name>Keypad</name>
    <message>
        <source>Delete</source>
        <translation>حذف</translation>
    </message>
    <message>
        <source>Decimal point</source>
        <translation>الفاصلة العشرية</translation>
    </message>
</context>
<context>
    <name>KeypadScreen</name>
    <message>
        <source>Enter an amount</source>
        <translation>أدخل مبلغًا</translation>
    </message>
    <message>
        <source>‹ Back</source>
        <translation>‹ رجوع</translation>
    </message>
    <message>
        <source>Back</source>
        <translation>رجوع</translation>
    </message>
    <message>
        <source>Enter your amount</source>
        <translation>أدخل المبلغ الذي تريده</translation>
    </message>
    <message>
        <source>Any amount from {low} to {high}</source>
        <translation>أي مبلغ من {low} إلى {high}</translation>
    </message>
    <message>
        <source>The minimum gift is {low}</source>
        <translation>الحد الأدنى للتبرع هو {low}</translation>
    </message>
    <message>
        <source>The most this kiosk can take is {high}</source>
        <translation>الحد الأقصى الذي يقبله هذا الجهاز هو {high}</translation>
    </message>
    <message>
        <source>Give {amount} a month</source>
        <translation>تبرّع بمبلغ {amount} شهريًا</translation>
    </message>
    <message>
        <source>Give {amount}</source>
        <translation>تبرّع بمبلغ {amount}</translation>
    </message>
    <message>
        <source>Continue</source>
        <translation>متابعة</translation>
    </message>
</context>
<context>
    <name>KioskWindow</name>
    <message>
        <source>Charter Kiosk</source>
        <translation>Charter Kiosk</translation>
    </message>
    <message>
        <source>TEST MODE · no real money is charged</source>
        <translation>وضع الاختبار · لا تُحصَّل أي أموال حقيقية</translation>
    </message>
    <message>
        <source>The kiosk could not start: {error} Trying again…</source>
        <translation>تعذّر تشغيل جهاز التبرع: {error} جارٍ إعادة المحاولة…</translation>
    </message>
    <message>
        <source>The demo&apos;s payment sandbox could not start: restart the demo.</source>
        <translation>تعذّر تشغيل بيئة الدفع التجريبية: أعد تشغيل العرض التجريبي.</translation>
    </message>
    <message>
        <source>from {name}</source>
        <translation>من {name}</translation>
    </message>
</context>
<context>
    <name>LetterKeyboard</name>
    <message>
        <source>Delete</source>
        <translation>حذف</translation>
    </message>
    <message>
        <source>space</source>
        <translation>مسافة</translation>
    </message>
    <message>
        <source>Space</source>
        <translation>مسافة</translation>
    </message>
</context>
<context>
    <name>MethodScreen</name>
    <message>
        <source>Choose how to pay</source>
        <translation>اختر طريقة الدفع</translation>
    </message>
    <message>
        <source>‹ Back</source>
        <translation>‹ رجوع</translation>
    </message>
    <message>
        <source>Back</source>
        <translation>رجوع</translation>
    </message>
    <message>
        <source>Tap card</source>
        <translation>الدفع عبر القارئ</translation>
    </message>
    <message>
        <source>Pay by tapping a card or phone on the reader</source>
        <translation>ادفع بتقريب بطاقة أو هاتف من القارئ</translation>
    </message>
    <message>
        <source>Your name on the donor wall</source>
        <translation>اسمك على لوحة المتبرعين</translation>
    </message>
    <message>
        <source>Optional. It appears with your gift on the screens here. Leave it empty to stay anonymous.</source>
        <translation>اختياري. يظهر مع تبرعك على الشاشات هنا. اتركه فارغًا إن أردت إخفاء اسمك.</translation>
    </message>
    <message>
        <source>Display name</source>
        <translation>الاسم المعروض</translation>
    </message>
    <message>
        <source>Anonymous</source>
        <translation>فاعل خير</translation>
    </message>
    <message>
        <source>Stay anonymous</source>
        <translation>إخفاء اسمي</translation>
    </message>
    <message>
        <source>Done</source>
        <translation>تم</translation>
    </message>
    <message>
        <source>Pay on my phone</source>
        <translation>الدفع عبر هاتفي</translation>
    </message>
    <message>
        <source>On your phone: scan a code. Tap card: use the reader beside this screen.</source>
        <translation>عبر هاتفك: امسح رمزًا. الدفع عبر القارئ: استخدم القارئ المجاور لهذه الشاشة.</translation>
    </message>
    <message>
        <source>Card, Apple Pay or Google Pay</source>
        <translation>بطاقة أو Apple Pay أو Google Pay</translation>
    </message>
    <message>
        <source>Every month by card: scan a code and set it up on your own phone.</source>
        <translation>كل شهر بالبطاقة: امسح رمزًا وأعدّ التبرع على هاتفك.</translation>
    </message>
    <message>
        <source>Scan a code and pay securely on your own phone.</source>
        <translation>امسح رمزًا وادفع بأمان عبر هاتفك.</translation>
    </message>
    <message>
        <source>Pay by card, Apple Pay or Google Pay</source>
        <translation>ادفع بالبطاقة أو Apple Pay أو Google Pay</translation>
    </message>
    <message>
        <source>Pay with {coin}</source>
        <translation>ادفع عبر {coin}</translation>
    </message>
    <message>
        <source>How would you like to give {amount} a month?</source>
        <translation>كيف تودّ التبرع بمبلغ {amount} شهريًا؟</translation>
    </message>
    <message>
        <source>How would you like to give {amount}?</source>
        <translation>كيف تودّ التبرع بمبلغ {amount}؟</translation>
    </message>
    <message>
        <source>Or give in crypto</source>
        <translation>أو تبرّع بالعملات المشفرة</translation>
    </message>
    <message>
        <source>Crypto gifts start at {low}</source>
        <translation>تبدأ التبرعات بالعملات المشفرة من {low}</translation>
    </message>
    <message>
        <source>Cover the fee</source>
        <translation>تغطية الرسوم</translation>
    </message>
    <message>
        <source>With the fee, this gift would be over this kiosk&apos;s limit of {limit}.</source>
        <translation>مع الرسوم، سيتجاوز هذا التبرع الحد الأقصى لهذا الجهاز، وهو {limit}.</translation>
    </message>
    <message>
        <source>Add {fee} so the charity receives your whole gift.</source>
        <translation>أضف {fee} ليصل تبرعك كاملًا إلى الجمعية الخيرية.</translation>
    </message>
    <message>
        <source>You give {gift} + {fee} fee = {total}</source>
        <translation>تتبرع بمبلغ {gift} + رسوم {fee} = {total}</translation>
    </message>
    <message>
        <source>In crypto: + {fee} fee = {total}</source>
        <translation>بالعملات المشفرة: + رسوم {fee} = {total}</translation>
    </message>
    <message>
        <source>Your gift will be shown as “{name}”.</source>
        <translation>سيظهر تبرعك باسم «{name}».</translation>
    </message>
    <message>
        <source>Change name</source>
        <translation>تغيير الاسم</translation>
    </message>
    <message>
        <source>Your gift will be shown as Anonymous.</source>
        <translation>سيظهر تبرعك باسم «فاعل خير».</translation>
    </message>
    <message>
        <source>Add my name</source>
        <translation>إضافة اسمي</translation>
    </message>
    <message>
        <source>Show my name on the donor wall</source>
        <translation>إظهار اسمي على لوحة المتبرعين</translation>
    </message>
</context>
<context>
    <name>PausedScreen</name>
    <message>
        <source>Back in a moment</source>
        <translation>نعود بعد لحظات</translation>
    </message>
    <message>
        <source>This kiosk is taking a short break. Thank you for your patience.</source>
        <translation>جهاز التبرع في استراحة قصيرة. شكرًا لصبرك.</translation>
    </message>
</context>
<context>
    <name>PaymentFlow</name>
    <message>
        <source>The payment service could not do this just now.</source>
        <translation>تعذّر على خدمة الدفع إتمام ذلك الآن.</translation>
    </message>
    <message>
        <source>{gift} + {fee} fee</source>
        <translation>{gift} + رسوم {fee}</translation>
    </message>
    <message>
        <source>card</source>
        <translation>بطاقة</translation>
    </message>
    <message>
        <source>We could not start the payment</source>
        <translation>تعذّر علينا بدء عملية الدفع</translation>
    </message>
    <message>
        <source>Nothing has been charged.</source>
        <translation>لم يُخصم أي مبلغ.</translation>
    </message>
    <message>
        <source>This code has expired.</source>
        <translation>انتهت صلاحية هذا الرمز.</translation>
    </message>
    <message>
        <source>Checking one last time…</source>
        <translation>جارٍ التحقق للمرة الأخيرة…</translation>
    </message>
    <message>
        <source>Your gift is on its way</source>
        <translation>تبرعك في الطريق</translation>
    </message>
    <message>
        <source>We have seen your payment; the network is still confirming it. It will be counted as soon as it is confirmed. There is no need to wait or to pay again. Thank you!</source>
        <translation>لقد رصدنا دفعتك، ولا تزال الشبكة تؤكدها. ستُحتسب فور تأكيدها. لا داعي للانتظار أو للدفع مرة أخرى. شكرًا لك!</translation>
    </message>
    <message>
        <source>This payment has expired</source>
        <translation>انتهت صلاحية عملية الدفع هذه</translation>
    </message>
    <message>
        <source>The code was only valid for a limited time. Nothing has been charged. Would you like a new code?</source>
        <translation>كان الرمز صالحًا لفترة محدودة فقط. لم يُخصم أي مبلغ. هل تريد رمزًا جديدًا؟</translation>
    </message>
    <message>
        <source>Still checking… the connection is slow. If you have paid, it will show up here.</source>
        <translation>لا يزال التحقق جاريًا… الاتصال بطيء. إذا كنت قد دفعت، فسيظهر ذلك هنا.</translation>
    </message>
    <message>
        <source>Payment seen — confirming…</source>
        <translation>تم رصد الدفعة — جارٍ التأكيد…</translation>
    </message>
    <message>
        <source>Part of your payment has arrived</source>
        <translation>وصل جزء من دفعتك</translation>
    </message>
    <message>
        <source>Thank you! We received less than the full amount. Please stay a moment: a member of staff will help you.</source>
        <translation>شكرًا لك! وصلنا مبلغ أقل من المبلغ الكامل. يُرجى الانتظار لحظة: سيساعدك أحد أعضاء الفريق.</translation>
    </message>
    <message>
        <source>The payment did not go through</source>
        <translation>لم تتم عملية الدفع</translation>
    </message>
    <message>
        <source>Nothing has been charged. You can try again.</source>
        <translation>لم يُخصم أي مبلغ. يمكنك المحاولة مرة أخرى.</translation>
    </message>
    <message>
        <source>Waiting for your payment…</source>
        <translation>في انتظار دفعتك…</translation>
    </message>
    <message>
        <source>Simulating a payment…</source>
        <translation>جارٍ محاكاة الدفع…</translation>
    </message>
</context>
<context>
    <name>PaymentScreen</name>
    <message>
        <source>Pay</source>
        <translation>الدفع</translation>
    </message>
    <message>
        <source>Payment QR code</source>
        <translation>رمز QR للدفع</translation>
    </message>
    <message>
        <source>Send exactly</source>
        <translation>أرسل المبلغ بالضبط</translation>
    </message>
    <message>
        <source>To this address</source>
        <translation>إلى هذا العنوان</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>إلغاء</translation>
    </message>
    <message>
        <source>Cancel and start over</source>
        <translation>إلغاء والبدء من جديد</translation>
    </message>
    <message>
        <source>Simulate (demo)</source>
        <translation>محاكاة (تجريبي)</translation>
    </message>
    <message>
        <source>Simulate payment</source>
        <translation>محاكاة الدفع</translation>
    </message>
    <message>
        <source>Give {amount} by {method}</source>
        <translation>التبرع بمبلغ {amount} عبر {method}</translation>
    </message>
    <message>
        <source>Preparing your payment…</source>
        <translation>جارٍ تجهيز عملية الدفع…</translation>
    </message>
    <message>
        <source>Connecting to the payment provider…</source>
        <translation>جارٍ الاتصال بمزوّد خدمة الدفع…</translation>
    </message>
    <message>
        <source>Scan to give {amount} a month</source>
        <translation>امسح الرمز للتبرع بمبلغ {amount} شهريًا</translation>
    </message>
    <message>
        <source>&lt;ol style=&apos;margin-left:0&apos;&gt;&lt;li&gt;Open your phone&apos;s camera.&lt;/li&gt;&lt;li&gt;Point it at the code.&lt;/li&gt;&lt;li&gt;Set up your monthly gift with card, Apple Pay or Google Pay. You can cancel at any time.&lt;/li&gt;&lt;/ol&gt;</source>
        <translation>&lt;ol style=&apos;margin-left:0&apos;&gt;&lt;li&gt;افتح كاميرا هاتفك.&lt;/li&gt;&lt;li&gt;وجّهها نحو الرمز.&lt;/li&gt;&lt;li&gt;أعدّ تبرعك الشهري بالبطاقة أو Apple Pay أو Google Pay. يمكنك الإلغاء في أي وقت.&lt;/li&gt;&lt;/ol&gt;</translation>
    </message>
    <message>
        <source>Scan to give {amount}</source>
        <translation>امسح الرمز للتبرع بمبلغ {amount}</translation>
    </message>
    <message>
        <source>&lt;ol style=&apos;margin-left:0&apos;&gt;&lt;li&gt;Open your phone&apos;s camera.&lt;/li&gt;&lt;li&gt;Point it at the code.&lt;/li&gt;&lt;li&gt;Pay with card, Apple Pay or Google Pay.&lt;/li&gt;&lt;/ol&gt;</source>
        <translation>&lt;ol style=&apos;margin-left:0&apos;&gt;&lt;li&gt;افتح كاميرا هاتفك.&lt;/li&gt;&lt;li&gt;وجّهها نحو الرمز.&lt;/li&gt;&lt;li&gt;ادفع بالبطاقة أو Apple Pay أو Google Pay.&lt;/li&gt;&lt;/ol&gt;</translation>
    </message>
    <message>
        <source>Waiting for your payment…</source>
        <translation>في انتظار دفعتك…</translation>
    </message>
    <message>
        <source>Give {amount} in {coin}</source>
        <translation>التبرع بمبلغ {amount} عبر {coin}</translation>
    </message>
    <message>
        <source>Scan the code with your wallet app, or copy the details.</source>
        <translation>امسح الرمز بتطبيق محفظتك، أو انسخ التفاصيل.</translation>
    </message>
    <message>
        <source>Network: {network}</source>
        <translation>الشبكة: {network}</translation>
    </message>
    <message>
        <source>Memo</source>
        <translation>المذكرة</translation>
    </message>
    <message>
        <source>{what} — required</source>
        <translation>{what} — حقل مطلوب</translation>
    </message>
    <message>
        <source>Enter this {what} in your wallet, or your gift cannot be matched.</source>
        <translation>أدخل هذه القيمة ({what}) في محفظتك، وإلا فلن نتمكن من مطابقة تبرعك.</translation>
    </message>
    <message>
        <source>This code has expired</source>
        <translation>انتهت صلاحية هذا الرمز</translation>
    </message>
    <message>
        <source>Code expires in {time}</source>
        <translation>تنتهي صلاحية الرمز خلال {time}</translation>
    </message>
</context>
<context>
    <name>StillThere</name>
    <message>
        <source>Still there?</source>
        <translation>هل ما زلت هنا؟</translation>
    </message>
    <message>
        <source>If you have paid on your phone, your gift will be counted — there is nothing more to do here.</source>
        <translation>إذا كنت قد دفعت عبر هاتفك، فسيُحتسب تبرعك — لا حاجة لفعل أي شيء آخر هنا.</translation>
    </message>
    <message>
        <source>I&apos;m still here</source>
        <translation>ما زلت هنا</translation>
    </message>
    <message>
        <source>Back to the start in {n} s</source>
        <translation>العودة إلى البداية خلال {n} ث</translation>
    </message>
</context>
<context>
    <name>TapFlow</name>
    <message>
        <source>The card reader is not ready</source>
        <translation>قارئ البطاقات غير جاهز</translation>
    </message>
    <message>
        <source>Nothing has been charged. You can pay by phone or crypto instead.</source>
        <translation>لم يُخصم أي مبلغ. يمكنك الدفع عبر الهاتف أو بالعملات المشفرة بدلًا من ذلك.</translation>
    </message>
    <message>
        <source>Checking with the bank… the connection is slow. If your card was accepted, it will show here.</source>
        <translation>جارٍ التحقق مع البنك… الاتصال بطيء. إذا قُبلت بطاقتك، فسيظهر ذلك هنا.</translation>
    </message>
    <message>
        <source>The reader is ready.</source>
        <translation>القارئ جاهز.</translation>
    </message>
    <message>
        <source>Your card was declined.</source>
        <translation>رُفضت بطاقتك.</translation>
    </message>
    <message>
        <source>Your card was declined: not enough funds.</source>
        <translation>رُفضت بطاقتك: الرصيد غير كافٍ.</translation>
    </message>
    <message>
        <source>Your card has expired.</source>
        <translation>انتهت صلاحية بطاقتك.</translation>
    </message>
    <message>
        <source>The PIN was not right.</source>
        <translation>رمز PIN غير صحيح.</translation>
    </message>
    <message>
        <source>Too many PIN attempts on this card.</source>
        <translation>محاولات كثيرة جدًا لإدخال رمز PIN على هذه البطاقة.</translation>
    </message>
    <message>
        <source>The reader did not see a card in time.</source>
        <translation>لم يكتشف القارئ أي بطاقة في الوقت المحدد.</translation>
    </message>
    <message>
        <source>The payment was cancelled.</source>
        <translation>أُلغي الدفع.</translation>
    </message>
    <message>
        <source>The payment did not go through.</source>
        <translation>لم تتم عملية الدفع.</translation>
    </message>
    <message>
        <source>Getting the reader ready again…</source>
        <translation>جارٍ تجهيز القارئ من جديد…</translation>
    </message>
    <message>
        <source>Receipt on its way to {email}</source>
        <translation>الإيصال في طريقه إلى {email}</translation>
    </message>
    <message>
        <source>The card reader stopped waiting</source>
        <translation>توقف قارئ البطاقات عن الانتظار</translation>
    </message>
    <message>
        <source>Nothing has been charged. Would you like to try again?</source>
        <translation>لم يُخصم أي مبلغ. هل تريد المحاولة مرة أخرى؟</translation>
    </message>
</context>
<context>
    <name>TapScreen</name>
    <message>
        <source>Pay on the card reader</source>
        <translation>ادفع عبر قارئ البطاقات</translation>
    </message>
    <message>
        <source>Tap, insert or swipe your card on the reader</source>
        <translation>قرّب بطاقتك من القارئ أو أدخلها أو مرّرها</translation>
    </message>
    <message>
        <source>Phones and watches work too. The reader is beside this screen.</source>
        <translation>تعمل الهواتف والساعات أيضًا. القارئ بجانب هذه الشاشة.</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>إلغاء</translation>
    </message>
    <message>
        <source>Try another card</source>
        <translation>جرّب بطاقة أخرى</translation>
    </message>
    <message>
        <source>Simulate a tap</source>
        <translation>محاكاة تقريب البطاقة</translation>
    </message>
    <message>
        <source>Simulate a declined card</source>
        <translation>محاكاة بطاقة مرفوضة</translation>
    </message>
    <message>
        <source>Getting the card reader ready…</source>
        <translation>جارٍ تجهيز قارئ البطاقات…</translation>
    </message>
    <message>
        <source>The reader is ready.</source>
        <translation>القارئ جاهز.</translation>
    </message>
    <message>
        <source>That did not go through</source>
        <translation>لم تتم العملية</translation>
    </message>
    <message>
        <source>Nothing has been charged.</source>
        <translation>لم يُخصم أي مبلغ.</translation>
    </message>
</context>
<context>
    <name>ThanksScreen</name>
    <message>
        <source>Thank you</source>
        <translation>شكرًا لك</translation>
    </message>
    <message>
        <source>Thank you!</source>
        <translation>شكرًا لك!</translation>
    </message>
    <message>
        <source>Email me a receipt</source>
        <translation>أرسل لي إيصالًا بالبريد الإلكتروني</translation>
    </message>
    <message>
        <source>Done</source>
        <translation>تم</translation>
    </message>
    <message>
        <source>Where should we send your receipt?</source>
        <translation>إلى أين نرسل إيصالك؟</translation>
    </message>
    <message>
        <source>Email address</source>
        <translation>البريد الإلكتروني</translation>
    </message>
    <message>
        <source>No thanks</source>
        <translation>لا، شكرًا</translation>
    </message>
    <message>
        <source>Send the receipt</source>
        <translation>إرسال الإيصال</translation>
    </message>
    <message>
        <source>Sending…</source>
        <translation>جارٍ الإرسال…</translation>
    </message>
    <message>
        <source>Your monthly gift of {amount} to {campaign} has begun. Thank you for giving every month!</source>
        <translation>بدأ تبرعك الشهري بمبلغ {amount} لصالح {campaign}. شكرًا لعطائك كل شهر!</translation>
    </message>
    <message>
        <source>Your gift of {amount} to {campaign} has arrived.</source>
        <translation>وصل تبرعك بمبلغ {amount} لصالح {campaign}.</translation>
    </message>
    <message>
        <source>Together we have raised {total}</source>
        <translation>معًا جمعنا {total}</translation>
    </message>
</context>
</TS>
