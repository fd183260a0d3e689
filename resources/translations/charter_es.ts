<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="es_ES">
<context>
    <name></name>
    <message>
        <source>Crypto</source>
        <translation>Cripto</translation>
    </message>
    <message>
        <source>card</source>
        <translation>tarjeta</translation>
    </message>
    <message>
        <source>cash</source>
        <translation>efectivo</translation>
    </message>
    <message>
        <source>crypto</source>
        <translation>cripto</translation>
    </message>
    <message>
        <source>just now</source>
        <translation>ahora mismo</translation>
    </message>
    <message>
        <source>{n} min ago</source>
        <translation>hace {n} min</translation>
    </message>
    <message>
        <source>{n} h ago</source>
        <translation>hace {n} h</translation>
    </message>
    <message>
        <source>{n} d ago</source>
        <translation>hace {n} d</translation>
    </message>
</context>
<context>
    <name>AmountScreen</name>
    <message>
        <source>Choose an amount</source>
        <translation>Elige un importe</translation>
    </message>
    <message>
        <source>‹ Back</source>
        <translation>‹ Atrás</translation>
    </message>
    <message>
        <source>Back</source>
        <translation>Atrás</translation>
    </message>
    <message>
        <source>Choose your gift</source>
        <translation>Elige tu donativo</translation>
    </message>
    <message>
        <source>Other amount</source>
        <translation>Otro importe</translation>
    </message>
    <message>
        <source>Make it monthly</source>
        <translation>Hazlo mensual</translation>
    </message>
    <message>
        <source>On: this amount every month, by card. Cancel any time.</source>
        <translation>Activado: este importe cada mes, con tarjeta. Cancela cuando quieras.</translation>
    </message>
    <message>
        <source>Off: a one-off gift.</source>
        <translation>Desactivado: un donativo único.</translation>
    </message>
    <message>
        <source>Every month, by card on your phone. Cancel any time.</source>
        <translation>Cada mes, con tarjeta desde tu teléfono. Cancela cuando quieras.</translation>
    </message>
    <message>
        <source>Every gift helps. Pay by card, phone or crypto.</source>
        <translation>Cada donativo cuenta. Paga con tarjeta, teléfono o cripto.</translation>
    </message>
    <message>
        <source>Give {amount}</source>
        <translation>Dona {amount}</translation>
    </message>
</context>
<context>
    <name>AttractScreen</name>
    <message>
        <source>Welcome</source>
        <translation>Te damos la bienvenida</translation>
    </message>
    <message>
        <source>Raised so far</source>
        <translation>Recaudado hasta ahora</translation>
    </message>
    <message>
        <source>Progress towards the goal</source>
        <translation>Avance hacia el objetivo</translation>
    </message>
    <message>
        <source>Tap to give</source>
        <translation>Toca para donar</translation>
    </message>
    <message>
        <source>Recent gifts</source>
        <translation>Donativos recientes</translation>
    </message>
    <message>
        <source>Getting the kiosk ready…</source>
        <translation>Preparando el quiosco…</translation>
    </message>
    <message>
        <source>{percent}% of the {goal} goal</source>
        <translation>{percent}% del objetivo de {goal}</translation>
    </message>
    <message>
        <source>+ {amount} on its way</source>
        <translation>+ {amount} en camino</translation>
    </message>
    <message>
        <source>1 donor</source>
        <translation>1 donante</translation>
    </message>
    <message>
        <source>{n} donors</source>
        <translation>{n} donantes</translation>
    </message>
    <message>
        <source>Be the first to give today</source>
        <translation>Haz el primer donativo de hoy</translation>
    </message>
</context>
<context>
    <name>DisplayWindow</name>
    <message>
        <source>Charter Kiosk · live total</source>
        <translation>Charter Kiosk · total en directo</translation>
    </message>
    <message>
        <source>Welcome</source>
        <translation>Te damos la bienvenida</translation>
    </message>
    <message>
        <source>TEST MODE</source>
        <translation>MODO DE PRUEBA</translation>
    </message>
    <message>
        <source>Raised so far</source>
        <translation>Recaudado hasta ahora</translation>
    </message>
    <message>
        <source>Progress towards the goal</source>
        <translation>Avance hacia el objetivo</translation>
    </message>
    <message>
        <source>Recent gifts</source>
        <translation>Donativos recientes</translation>
    </message>
    <message>
        <source>Gifts over time</source>
        <translation>Donativos a lo largo del tiempo</translation>
    </message>
    <message>
        <source>The chart fills in as gifts arrive.</source>
        <translation>El gráfico se completa a medida que llegan los donativos.</translation>
    </message>
    <message>
        <source>Waiting for the kiosk database…</source>
        <translation>Esperando la base de datos del quiosco…</translation>
    </message>
    <message>
        <source>{percent}% of {goal}</source>
        <translation>{percent}% de {goal}</translation>
    </message>
    <message>
        <source>+ {amount} on its way</source>
        <translation>+ {amount} en camino</translation>
    </message>
    <message>
        <source>{gross} given · {out} refunded or voided</source>
        <translation>{gross} donados · {out} reembolsados o anulados</translation>
    </message>
    <message>
        <source>{n} donors</source>
        <translation>{n} donantes</translation>
    </message>
    <message>
        <source>1 donor</source>
        <translation>1 donante</translation>
    </message>
    <message>
        <source>Anonymous</source>
        <translation>Anónimo</translation>
    </message>
    <message>
        <source>The first gift will appear here.</source>
        <translation>El primer donativo aparecerá aquí.</translation>
    </message>
</context>
<context>
    <name>EmailKeyboard</name>
    <message>
        <source>Delete</source>
        <translation>Borrar</translation>
    </message>
</context>
<context>
    <name>ErrorScreen</name>
    <message>
        <source>Something went wrong</source>
        <translation>Algo salió mal</translation>
    </message>
    <message>
        <source>Back to start</source>
        <translation>Volver al inicio</translation>
    </message>
    <message>
        <source>Try again</source>
        <translation>Reintentar</translation>
    </message>
</context>
<context>
    <name>Keypad</name>
    <message>
        <source>Delete</source>
        <translation>Borrar</translation>
    </message>
    <message>
        <source>Decimal point</source>
        <translation>Separador decimal</translation>
    </message>
</context>
<context>
    <name>KeypadScreen</name>
    <message>
        <source>Enter an amount</source>
        <translation>Escribe un importe</translation>
    </message>
    <message>
        <source>‹ Back</source>
        <translation>‹ Atrás</translation>
    </message>
    <message>
        <source>Back</source>
        <translation>Atrás</translation>
    </message>
    <message>
        <source>Enter your amount</source>
        <translation>Escribe tu importe</translation>
    </message>
    <message>
        <source>Any amount from {low} to {high}</source>
        <translation>Cualquier importe de {low} a {high}</translation>
    </message>
    <message>
        <source>The minimum gift is {low}</source>
        <translation>El donativo mínimo es de {low}</translation>
    </message>
    <message>
        <source>The most this kiosk can take is {high}</source>
        <translation>El máximo que acepta este quiosco es {high}</translation>
    </message>
    <message>
        <source>Give {amount} a month</source>
        <translation>Dona {amount} al mes</translation>
    </message>
    <message>
        <source>Give {amount}</source>
        <translation>Dona {amount}</translation>
    </message>
    <message>
        <source>Continue</source>
        <translation>Continuar</translation>
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
        <translation>MODO DE PRUEBA · no se cobra dinero real</translation>
    </message>
    <message>
        <source>The kiosk could not start: {error} Trying again…</source>
        <translation>No se pudo iniciar el quiosco: {error} Reintentando…</translation>
    </message>
    <message>
        <source>The demo&apos;s payment sandbox could not start: restart the demo.</source>
        <translation>El entorno de pagos de la demostración no ha podido arrancar: reinicia la demostración.</translation>
    </message>
    <message>
        <source>from {name}</source>
        <translation>de {name}</translation>
    </message>
</context>
<context>
    <name>LetterKeyboard</name>
    <message>
        <source>Delete</source>
        <translation>Borrar</translation>
    </message>
    <message>
        <source>space</source>
        <translation>espacio</translation>
    </message>
    <message>
        <source>Space</source>
        <translation>Espacio</translation>
    </message>
</context>
<context>
    <name>MethodScreen</name>
    <message>
        <source>Choose how to pay</source>
        <translation>Elige cómo pagar</translation>
    </message>
    <message>
        <source>‹ Back</source>
        <translation>‹ Atrás</translation>
    </message>
    <message>
        <source>Back</source>
        <translation>Atrás</translation>
    </message>
    <message>
        <source>Tap card</source>
        <translation>Acercar tarjeta</translation>
    </message>
    <message>
        <source>Pay by tapping a card or phone on the reader</source>
        <translation>Paga acercando una tarjeta o un teléfono al lector</translation>
    </message>
    <message>
        <source>Your name on the donor wall</source>
        <translation>Tu nombre en el muro de donantes</translation>
    </message>
    <message>
        <source>Optional. It appears with your gift on the screens here. Leave it empty to stay anonymous.</source>
        <translation>Opcional. Aparece con tu donativo en las pantallas de aquí. Déjalo vacío para mantener el anonimato.</translation>
    </message>
    <message>
        <source>Display name</source>
        <translation>Nombre visible</translation>
    </message>
    <message>
        <source>Anonymous</source>
        <translation>Anónimo</translation>
    </message>
    <message>
        <source>Stay anonymous</source>
        <translation>Mantener el anonimato</translation>
    </message>
    <message>
        <source>Done</source>
        <translation>Listo</translation>
    </message>
    <message>
        <source>Pay on my phone</source>
        <translation>Pagar en mi teléfono</translation>
    </message>
    <message>
        <source>On your phone: scan a code. Tap card: use the reader beside this screen.</source>
        <translation>En tu teléfono: escanea un código. Acercar tarjeta: usa el lector junto a esta pantalla.</translation>
    </message>
    <message>
        <source>Card, Apple Pay or Google Pay</source>
        <translation>Tarjeta, Apple Pay o Google Pay</translation>
    </message>
    <message>
        <source>Every month by card: scan a code and set it up on your own phone.</source>
        <translation>Cada mes con tarjeta: escanea un código y configúralo en tu propio teléfono.</translation>
    </message>
    <message>
        <source>Scan a code and pay securely on your own phone.</source>
        <translation>Escanea un código y paga de forma segura en tu propio teléfono.</translation>
    </message>
    <message>
        <source>Pay by card, Apple Pay or Google Pay</source>
        <translation>Paga con tarjeta, Apple Pay o Google Pay</translation>
    </message>
    <message>
        <source>Pay with {coin}</source>
        <translation>Pagar con {coin}</translation>
    </message>
    <message>
        <source>How would you like to give {amount} a month?</source>
        <translation>¿Cómo quieres donar {amount} al mes?</translation>
    </message>
    <message>
        <source>How would you like to give {amount}?</source>
        <translation>¿Cómo quieres donar {amount}?</translation>
    </message>
    <message>
        <source>Or give in crypto</source>
        <translation>O dona en cripto</translation>
    </message>
    <message>
        <source>Crypto gifts start at {low}</source>
        <translation>Los donativos en cripto empiezan en {low}</translation>
    </message>
    <message>
        <source>Cover the fee</source>
        <translation>Cubrir la comisión</translation>
    </message>
    <message>
        <source>With the fee, this gift would be over this kiosk&apos;s limit of {limit}.</source>
        <translation>Con la comisión, este donativo superaría el límite de {limit} de este quiosco.</translation>
    </message>
    <message>
        <source>Add {fee} so the charity receives your whole gift.</source>
        <translation>Añade {fee} para que la organización reciba tu donativo íntegro.</translation>
    </message>
    <message>
        <source>You give {gift} + {fee} fee = {total}</source>
        <translation>Donas {gift} + {fee} de comisión = {total}</translation>
    </message>
    <message>
        <source>In crypto: + {fee} fee = {total}</source>
        <translation>En cripto: + {fee} de comisión = {total}</translation>
    </message>
    <message>
        <source>Your gift will be shown as “{name}”.</source>
        <translation>Tu donativo aparecerá como “{name}”.</translation>
    </message>
    <message>
        <source>Change name</source>
        <translation>Cambiar nombre</translation>
    </message>
    <message>
        <source>Your gift will be shown as Anonymous.</source>
        <translation>Tu donativo aparecerá como anónimo.</translation>
    </message>
    <message>
        <source>Add my name</source>
        <translation>Añadir mi nombre</translation>
    </message>
    <message>
        <source>Show my name on the donor wall</source>
        <translation>Mostrar mi nombre en el muro de donantes</translation>
    </message>
</context>
<context>
    <name>PausedScreen</name>
    <message>
        <source>Back in a moment</source>
        <translation>Volvemos enseguida</translation>
    </message>
    <message>
        <source>This kiosk is taking a short break. Thank you for your patience.</source>
        <translation>Este quiosco está en una breve pausa. Gracias por tu paciencia.</translation>
    </message>
</context>
<context>
    <name>PaymentFlow</name>
    <message>
        <source>The payment service could not do this just now.</source>
        <translation>El servicio de pago no ha podido hacerlo ahora mismo.</translation>
    </message>
    <message>
        <source>{gift} + {fee} fee</source>
        <translation>{gift} + {fee} de comisión</translation>
    </message>
    <message>
        <source>card</source>
        <translation>tarjeta</translation>
    </message>
    <message>
        <source>We could not start the payment</source>
        <translation>No pudimos iniciar el pago</translation>
    </message>
    <message>
        <source>Nothing has been charged.</source>
        <translation>No se ha cobrado nada.</translation>
    </message>
    <message>
        <source>This code has expired.</source>
        <translation>Este código ha expirado.</translation>
    </message>
    <message>
        <source>Checking one last time…</source>
        <translation>Verificando por última vez…</translation>
    </message>
    <message>
        <source>Your gift is on its way</source>
        <translation>Tu donativo está en camino</translation>
    </message>
    <message>
        <source>We have seen your payment; the network is still confirming it. It will be counted as soon as it is confirmed. There is no need to wait or to pay again. Thank you!</source>
        <translation>Hemos detectado tu pago; la red todavía lo está confirmando. Se contará en cuanto se confirme. No hace falta esperar ni volver a pagar. ¡Gracias!</translation>
    </message>
    <message>
        <source>This payment has expired</source>
        <translation>Este pago ha expirado</translation>
    </message>
    <message>
        <source>The code was only valid for a limited time. Nothing has been charged. Would you like a new code?</source>
        <translation>El código solo era válido durante un tiempo limitado. No se ha cobrado nada. ¿Quieres un código nuevo?</translation>
    </message>
    <message>
        <source>Still checking… the connection is slow. If you have paid, it will show up here.</source>
        <translation>Seguimos verificando… la conexión es lenta. Si ya pagaste, aparecerá aquí.</translation>
    </message>
    <message>
        <source>Payment seen — confirming…</source>
        <translation>Pago detectado — confirmando…</translation>
    </message>
    <message>
        <source>Part of your payment has arrived</source>
        <translation>Ha llegado parte de tu pago</translation>
    </message>
    <message>
        <source>Thank you! We received less than the full amount. Please stay a moment: a member of staff will help you.</source>
        <translation>¡Gracias! Recibimos menos del importe total. Espera un momento, por favor: alguien del equipo te ayudará.</translation>
    </message>
    <message>
        <source>The payment did not go through</source>
        <translation>El pago no se completó</translation>
    </message>
    <message>
        <source>Nothing has been charged. You can try again.</source>
        <translation>No se ha cobrado nada. Puedes intentarlo de nuevo.</translation>
    </message>
    <message>
        <source>Waiting for your payment…</source>
        <translation>Esperando tu pago…</translation>
    </message>
    <message>
        <source>Simulating a payment…</source>
        <translation>Simulando un pago…</translation>
    </message>
</context>
<context>
    <name>PaymentScreen</name>
    <message>
        <source>Pay</source>
        <translation>Pagar</translation>
    </message>
    <message>
        <source>Payment QR code</source>
        <translation>Código QR de pago</translation>
    </message>
    <message>
        <source>Send exactly</source>
        <translation>Envía exactamente</translation>
    </message>
    <message>
        <source>To this address</source>
        <translation>A esta dirección</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Cancelar</translation>
    </message>
    <message>
        <source>Cancel and start over</source>
        <translation>Cancelar y empezar de nuevo</translation>
    </message>
    <message>
        <source>Simulate (demo)</source>
        <translation>Simular (demo)</translation>
    </message>
    <message>
        <source>Simulate payment</source>
        <translation>Simular pago</translation>
    </message>
    <message>
        <source>Give {amount} by {method}</source>
        <translation>Dona {amount} con {method}</translation>
    </message>
    <message>
        <source>Preparing your payment…</source>
        <translation>Preparando tu pago…</translation>
    </message>
    <message>
        <source>Connecting to the payment provider…</source>
        <translation>Conectando con el proveedor de pagos…</translation>
    </message>
    <message>
        <source>Scan to give {amount} a month</source>
        <translation>Escanea para donar {amount} al mes</translation>
    </message>
    <message>
        <source>&lt;ol style=&apos;margin-left:0&apos;&gt;&lt;li&gt;Open your phone&apos;s camera.&lt;/li&gt;&lt;li&gt;Point it at the code.&lt;/li&gt;&lt;li&gt;Set up your monthly gift with card, Apple Pay or Google Pay. You can cancel at any time.&lt;/li&gt;&lt;/ol&gt;</source>
        <translation>&lt;ol style=&apos;margin-left:0&apos;&gt;&lt;li&gt;Abre la cámara de tu teléfono.&lt;/li&gt;&lt;li&gt;Apunta al código.&lt;/li&gt;&lt;li&gt;Configura tu donativo mensual con tarjeta, Apple Pay o Google Pay. Puedes cancelarlo cuando quieras.&lt;/li&gt;&lt;/ol&gt;</translation>
    </message>
    <message>
        <source>Scan to give {amount}</source>
        <translation>Escanea para donar {amount}</translation>
    </message>
    <message>
        <source>&lt;ol style=&apos;margin-left:0&apos;&gt;&lt;li&gt;Open your phone&apos;s camera.&lt;/li&gt;&lt;li&gt;Point it at the code.&lt;/li&gt;&lt;li&gt;Pay with card, Apple Pay or Google Pay.&lt;/li&gt;&lt;/ol&gt;</source>
        <translation>&lt;ol style=&apos;margin-left:0&apos;&gt;&lt;li&gt;Abre la cámara de tu teléfono.&lt;/li&gt;&lt;li&gt;Apunta al código.&lt;/li&gt;&lt;li&gt;Paga con tarjeta, Apple Pay o Google Pay.&lt;/li&gt;&lt;/ol&gt;</translation>
    </message>
    <message>
        <source>Waiting for your payment…</source>
        <translation>Esperando tu pago…</translation>
    </message>
    <message>
        <source>Give {amount} in {coin}</source>
        <translation>Dona {amount} en {coin}</translation>
    </message>
    <message>
        <source>Scan the code with your wallet app, or copy the details.</source>
        <translation>Escanea el código con tu app de wallet o copia los datos.</translation>
    </message>
    <message>
        <source>Network: {network}</source>
        <translation>Red: {network}</translation>
    </message>
    <message>
        <source>Memo</source>
        <translation>Memo</translation>
    </message>
    <message>
        <source>{what} — required</source>
        <translation>{what} — obligatorio</translation>
    </message>
    <message>
        <source>Enter this {what} in your wallet, or your gift cannot be matched.</source>
        <translation>Escribe este {what} en tu wallet o no podremos identificar tu donativo.</translation>
    </message>
    <message>
        <source>This code has expired</source>
        <translation>Este código ha expirado</translation>
    </message>
    <message>
        <source>Code expires in {time}</source>
        <translation>El código expira en {time}</translation>
    </message>
</context>
<context>
    <name>StillThere</name>
    <message>
        <source>Still there?</source>
        <translation>¿Sigues ahí?</translation>
    </message>
    <message>
        <source>If you have paid on your phone, your gift will be counted — there is nothing more to do here.</source>
        <translation>Si ya pagaste en tu teléfono, tu donativo se contará — no tienes que hacer nada más aquí.</translation>
    </message>
    <message>
        <source>I&apos;m still here</source>
        <translation>Sigo aquí</translation>
    </message>
    <message>
        <source>Back to the start in {n} s</source>
        <translation>Volvemos al inicio en {n} s</translation>
    </message>
</context>
<context>
    <name>TapFlow</name>
    <message>
        <source>The card reader is not ready</source>
        <translation>El lector de tarjetas no está listo</translation>
    </message>
    <message>
        <source>Nothing has been charged. You can pay by phone or crypto instead.</source>
        <translation>No se ha cobrado nada. Puedes pagar con el teléfono o en cripto.</translation>
    </message>
    <message>
        <source>Checking with the bank… the connection is slow. If your card was accepted, it will show here.</source>
        <translation>Verificando con el banco… la conexión es lenta. Si tu tarjeta fue aceptada, aparecerá aquí.</translation>
    </message>
    <message>
        <source>The reader is ready.</source>
        <translation>El lector está listo.</translation>
    </message>
    <message>
        <source>Your card was declined.</source>
        <translation>Tu tarjeta fue rechazada.</translation>
    </message>
    <message>
        <source>Your card was declined: not enough funds.</source>
        <translation>Tu tarjeta fue rechazada: fondos insuficientes.</translation>
    </message>
    <message>
        <source>Your card has expired.</source>
        <translation>Tu tarjeta está caducada.</translation>
    </message>
    <message>
        <source>The PIN was not right.</source>
        <translation>El PIN no es correcto.</translation>
    </message>
    <message>
        <source>Too many PIN attempts on this card.</source>
        <translation>Demasiados intentos de PIN con esta tarjeta.</translation>
    </message>
    <message>
        <source>The reader did not see a card in time.</source>
        <translation>El lector no detectó ninguna tarjeta a tiempo.</translation>
    </message>
    <message>
        <source>The payment was cancelled.</source>
        <translation>El pago se canceló.</translation>
    </message>
    <message>
        <source>The payment did not go through.</source>
        <translation>El pago no se completó.</translation>
    </message>
    <message>
        <source>Getting the reader ready again…</source>
        <translation>Preparando de nuevo el lector…</translation>
    </message>
    <message>
        <source>Receipt on its way to {email}</source>
        <translation>Te enviamos el recibo a {email}</translation>
    </message>
    <message>
        <source>The card reader stopped waiting</source>
        <translation>El lector de tarjetas dejó de esperar</translation>
    </message>
    <message>
        <source>Nothing has been charged. Would you like to try again?</source>
        <translation>No se ha cobrado nada. ¿Quieres intentarlo de nuevo?</translation>
    </message>
</context>
<context>
    <name>TapScreen</name>
    <message>
        <source>Pay on the card reader</source>
        <translation>Paga en el lector de tarjetas</translation>
    </message>
    <message>
        <source>Tap, insert or swipe your card on the reader</source>
        <translation>Acerca, inserta o desliza tu tarjeta en el lector</translation>
    </message>
    <message>
        <source>Phones and watches work too. The reader is beside this screen.</source>
        <translation>También funcionan teléfonos y relojes. El lector está junto a esta pantalla.</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Cancelar</translation>
    </message>
    <message>
        <source>Try another card</source>
        <translation>Probar otra tarjeta</translation>
    </message>
    <message>
        <source>Simulate a tap</source>
        <translation>Simular un pago sin contacto</translation>
    </message>
    <message>
        <source>Simulate a declined card</source>
        <translation>Simular una tarjeta rechazada</translation>
    </message>
    <message>
        <source>Getting the card reader ready…</source>
        <translation>Preparando el lector de tarjetas…</translation>
    </message>
    <message>
        <source>The reader is ready.</source>
        <translation>El lector está listo.</translation>
    </message>
    <message>
        <source>That did not go through</source>
        <translation>No se ha podido completar</translation>
    </message>
    <message>
        <source>Nothing has been charged.</source>
        <translation>No se ha cobrado nada.</translation>
    </message>
</context>
<context>
    <name>ThanksScreen</name>
    <message>
        <source>Thank you</source>
        <translation>Gracias</translation>
    </message>
    <message>
        <source>Thank you!</source>
        <translation>¡Gracias!</translation>
    </message>
    <message>
        <source>Email me a receipt</source>
        <translation>Enviarme el recibo por email</translation>
    </message>
    <message>
        <source>Done</source>
        <translation>Listo</translation>
    </message>
    <message>
        <source>Where should we send your receipt?</source>
        <translation>¿A dónde te enviamos el recibo?</translation>
    </message>
    <message>
        <source>Email address</source>
        <translation>Correo electrónico</translation>
    </message>
    <message>
        <source>No thanks</source>
        <translation>No, gracias</translation>
    </message>
    <message>
        <source>Send the receipt</source>
        <translation>Enviar el recibo</translation>
    </message>
    <message>
        <source>Sending…</source>
        <translation>Enviando…</translation>
    </message>
    <message>
        <source>Your monthly gift of {amount} to {campaign} has begun. Thank you for giving every month!</source>
        <translation>Tu donativo mensual de {amount} para {campaign} ya está activo. ¡Gracias por donar cada mes!</translation>
    </message>
    <message>
        <source>Your gift of {amount} to {campaign} has arrived.</source>
        <translation>Tu donativo de {amount} para {campaign} ha llegado.</translation>
    </message>
    <message>
        <source>Together we have raised {total}</source>
        <translation>Entre todos hemos recaudado {total}</translation>
    </message>
</context>
</TS>
