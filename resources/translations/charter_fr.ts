<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="fr_FR">
<context>
    <name></name>
    <message>
        <source>Crypto</source>
        <translation>Crypto</translation>
    </message>
    <message>
        <source>card</source>
        <translation>carte</translation>
    </message>
    <message>
        <source>cash</source>
        <translation>espèces</translation>
    </message>
    <message>
        <source>crypto</source>
        <translation>crypto</translation>
    </message>
    <message>
        <source>just now</source>
        <translation>à l’instant</translation>
    </message>
    <message>
        <source>{n} min ago</source>
        <translation>il y a {n} min</translation>
    </message>
    <message>
        <source>{n} h ago</source>
        <translation>il y a {n} h</translation>
    </message>
    <message>
        <source>{n} d ago</source>
        <translation>il y a {n} j</translation>
    </message>
</context>
<context>
    <name>AmountScreen</name>
    <message>
        <source>Choose an amount</source>
        <translation>Choisissez un montant</translation>
    </message>
    <message>
        <source>‹ Back</source>
        <translation>‹ Retour</translation>
    </message>
    <message>
        <source>Back</source>
        <translation>Retour</translation>
    </message>
    <message>
        <source>Choose your gift</source>
        <translation>Choisissez votre don</translation>
    </message>
    <message>
        <source>Other amount</source>
        <translation>Autre montant</translation>
    </message>
    <message>
        <source>Make it monthly</source>
        <translation>Donner chaque mois</translation>
    </message>
    <message>
        <source>On: this amount every month, by card. Cancel any time.</source>
        <translation>Activé&#xa0;: ce montant chaque mois, par carte. Résiliable à tout moment.</translation>
    </message>
    <message>
        <source>Off: a one-off gift.</source>
        <translation>Désactivé&#xa0;: un don ponctuel.</translation>
    </message>
    <message>
        <source>Every month, by card on your phone. Cancel any time.</source>
        <translation>Chaque mois, par carte sur votre téléphone. Résiliable à tout moment.</translation>
    </message>
    <message>
        <source>Every gift helps. Pay by card, phone or crypto.</source>
        <translation>Chaque don compte. Payez par carte, téléphone ou crypto.</translation>
    </message>
    <message>
        <source>Give {amount}</source>
        <translation>Donner {amount}</translation>
    </message>
</context>
<context>
    <name>AttractScreen</name>
    <message>
        <source>Welcome</source>
        <translation>Bienvenue</translation>
    </message>
    <message>
        <source>Raised so far</source>
        <translation>Collecté jusqu’ici</translation>
    </message>
    <message>
        <source>Progress towards the goal</source>
        <translation>Progression vers l’objectif</translation>
    </message>
    <message>
        <source>Tap to give</source>
        <translation>Touchez pour donner</translation>
    </message>
    <message>
        <source>Recent gifts</source>
        <translation>Dons récents</translation>
    </message>
    <message>
        <source>Getting the kiosk ready…</source>
        <translation>Préparation de la borne…</translation>
    </message>
    <message>
        <source>{percent}% of the {goal} goal</source>
        <translation>{percent}&#xa0;% de l’objectif de {goal}</translation>
    </message>
    <message>
        <source>+ {amount} on its way</source>
        <translation>+ {amount} en route</translation>
    </message>
    <message>
        <source>1 donor</source>
        <translation>1 donateur</translation>
    </message>
    <message>
        <source>{n} donors</source>
        <translation>{n} donateurs</translation>
    </message>
    <message>
        <source>Be the first to give today</source>
        <translation>Faites le premier don de la journée</translation>
    </message>
</context>
<context>
    <name>DisplayWindow</name>
    <message>
        <source>Charter Kiosk · live total</source>
        <translation>Charter Kiosk · total en direct</translation>
    </message>
    <message>
        <source>Welcome</source>
        <translation>Bienvenue</translation>
    </message>
    <message>
        <source>TEST MODE</source>
        <translation>MODE TEST</translation>
    </message>
    <message>
        <source>Raised so far</source>
        <translation>Collecté jusqu’ici</translation>
    </message>
    <message>
        <source>Progress towards the goal</source>
        <translation>Progression vers l’objectif</translation>
    </message>
    <message>
        <source>Recent gifts</source>
        <translation>Dons récents</translation>
    </message>
    <message>
        <source>Gifts over time</source>
        <translation>Dons au fil du temps</translation>
    </message>
    <message>
        <source>The chart fills in as gifts arrive.</source>
        <translation>Le graphique se remplit à mesure que les dons arrivent.</translation>
    </message>
    <message>
        <source>Waiting for the kiosk database…</source>
        <translation>En attente de la base de données de la borne…</translation>
    </message>
    <message>
        <source>{percent}% of {goal}</source>
        <translation>{percent}&#xa0;% de {goal}</translation>
    </message>
    <message>
        <source>+ {amount} on its way</source>
        <translation>+ {amount} en route</translation>
    </message>
    <message>
        <source>{gross} given · {out} refunded or voided</source>
        <translation>{gross} donnés · {out} remboursés ou annulés</translation>
    </message>
    <message>
        <source>{n} donors</source>
        <translation>{n} donateurs</translation>
    </message>
    <message>
        <source>1 donor</source>
        <translation>1 donateur</translation>
    </message>
    <message>
        <source>Anonymous</source>
        <translation>Anonyme</translation>
    </message>
    <message>
        <source>The first gift will appear here.</source>
        <translation>Le premier don apparaîtra ici.</translation>
    </message>
</context>
<context>
    <name>EmailKeyboard</name>
    <message>
        <source>Delete</source>
        <translation>Effacer</translation>
    </message>
</context>
<context>
    <name>ErrorScreen</name>
    <message>
        <source>Something went wrong</source>
        <translation>Un problème est survenu</translation>
    </message>
    <message>
        <source>Back to start</source>
        <translation>Retour à l’accueil</translation>
    </message>
    <message>
        <source>Try again</source>
        <translation>Réessayer</translation>
    </message>
</context>
<context>
    <name>Keypad</name>
    <message>
        <source>Delete</source>
        <translation>Effacer</translation>
    </message>
    <message>
        <source>Decimal point</source>
        <translation>Séparateur décimal</translation>
    </message>
</context>
<context>
    <name>KeypadScreen</name>
    <message>
        <source>Enter an amount</source>
        <translation>Saisissez un montant</translation>
    </message>
    <message>
        <source>‹ Back</source>
        <translation>‹ Retour</translation>
    </message>
    <message>
        <source>Back</source>
        <translation>Retour</translation>
    </message>
    <message>
        <source>Enter your amount</source>
        <translation>Saisissez votre montant</translation>
    </message>
    <message>
        <source>Any amount from {low} to {high}</source>
        <translation>Tout montant de {low} à {high}</translation>
    </message>
    <message>
        <source>The minimum gift is {low}</source>
        <translation>Le don minimum est de {low}</translation>
    </message>
    <message>
        <source>The most this kiosk can take is {high}</source>
        <translation>Cette borne accepte au maximum {high}</translation>
    </message>
    <message>
        <source>Give {amount} a month</source>
        <translation>Donner {amount} par mois</translation>
    </message>
    <message>
        <source>Give {amount}</source>
        <translation>Donner {amount}</translation>
    </message>
    <message>
        <source>Continue</source>
        <translation>Continuer</translation>
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
        <translation>MODE TEST · aucun argent réel n’est débité</translation>
    </message>
    <message>
        <source>The kiosk could not start: {error} Trying again…</source>
        <translation>La borne n’a pas pu démarrer&#xa0;: {error} Nouvelle tentative…</translation>
    </message>
    <message>
        <source>The demo&apos;s payment sandbox could not start: restart the demo.</source>
        <translation>Le bac à sable de paiement de la démo n’a pas pu démarrer&#xa0;: relancez la démo.</translation>
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
        <translation>Effacer</translation>
    </message>
    <message>
        <source>space</source>
        <translation>espace</translation>
    </message>
    <message>
        <source>Space</source>
        <translation>Espace</translation>
    </message>
</context>
<context>
    <name>MethodScreen</name>
    <message>
        <source>Choose how to pay</source>
        <translation>Choisissez comment payer</translation>
    </message>
    <message>
        <source>‹ Back</source>
        <translation>‹ Retour</translation>
    </message>
    <message>
        <source>Back</source>
        <translation>Retour</translation>
    </message>
    <message>
        <source>Tap card</source>
        <translation>Sans contact</translation>
    </message>
    <message>
        <source>Pay by tapping a card or phone on the reader</source>
        <translation>Payez en approchant une carte ou un téléphone du lecteur</translation>
    </message>
    <message>
        <source>Your name on the donor wall</source>
        <translation>Votre nom sur le mur des donateurs</translation>
    </message>
    <message>
        <source>Optional. It appears with your gift on the screens here. Leave it empty to stay anonymous.</source>
        <translation>Facultatif. Il s’affiche avec votre don sur les écrans ici. Laissez vide pour rester anonyme.</translation>
    </message>
    <message>
        <source>Display name</source>
        <translation>Nom affiché</translation>
    </message>
    <message>
        <source>Anonymous</source>
        <translation>Anonyme</translation>
    </message>
    <message>
        <source>Stay anonymous</source>
        <translation>Rester anonyme</translation>
    </message>
    <message>
        <source>Done</source>
        <translation>Terminé</translation>
    </message>
    <message>
        <source>Pay on my phone</source>
        <translation>Payer sur mon téléphone</translation>
    </message>
    <message>
        <source>On your phone: scan a code. Tap card: use the reader beside this screen.</source>
        <translation>Sur votre téléphone&#xa0;: scannez un code. Sans contact&#xa0;: utilisez le lecteur à côté de cet écran.</translation>
    </message>
    <message>
        <source>Card, Apple Pay or Google Pay</source>
        <translation>Carte, Apple Pay ou Google Pay</translation>
    </message>
    <message>
        <source>Every month by card: scan a code and set it up on your own phone.</source>
        <translation>Chaque mois par carte&#xa0;: scannez un code et configurez le don sur votre téléphone.</translation>
    </message>
    <message>
        <source>Scan a code and pay securely on your own phone.</source>
        <translation>Scannez un code et payez en toute sécurité sur votre téléphone.</translation>
    </message>
    <message>
        <source>Pay by card, Apple Pay or Google Pay</source>
        <translation>Payer par carte, Apple Pay ou Google Pay</translation>
    </message>
    <message>
        <source>Pay with {coin}</source>
        <translation>Payer en {coin}</translation>
    </message>
    <message>
        <source>How would you like to give {amount} a month?</source>
        <translation>Comment souhaitez-vous donner {amount} par mois&#x202f;?</translation>
    </message>
    <message>
        <source>How would you like to give {amount}?</source>
        <translation>Comment souhaitez-vous donner {amount}&#x202f;?</translation>
    </message>
    <message>
        <source>Or give in crypto</source>
        <translation>Ou donnez en crypto</translation>
    </message>
    <message>
        <source>Crypto gifts start at {low}</source>
        <translation>Les dons en crypto commencent à {low}</translation>
    </message>
    <message>
        <source>Cover the fee</source>
        <translation>Couvrir les frais</translation>
    </message>
    <message>
        <source>With the fee, this gift would be over this kiosk&apos;s limit of {limit}.</source>
        <translation>Avec les frais, ce don dépasserait la limite de {limit} de cette borne.</translation>
    </message>
    <message>
        <source>Add {fee} so the charity receives your whole gift.</source>
        <translation>Ajoutez {fee} pour que l’association reçoive l’intégralité de votre don.</translation>
    </message>
    <message>
        <source>You give {gift} + {fee} fee = {total}</source>
        <translation>Vous donnez {gift} + {fee} de frais = {total}</translation>
    </message>
    <message>
        <source>In crypto: + {fee} fee = {total}</source>
        <translation>En crypto&#xa0;: + {fee} de frais = {total}</translation>
    </message>
    <message>
        <source>Your gift will be shown as “{name}”.</source>
        <translation>Votre don s’affichera au nom de «&#xa0;{name}&#xa0;».</translation>
    </message>
    <message>
        <source>Change name</source>
        <translation>Modifier le nom</translation>
    </message>
    <message>
        <source>Your gift will be shown as Anonymous.</source>
        <translation>Votre don s’affichera comme anonyme.</translation>
    </message>
    <message>
        <source>Add my name</source>
        <translation>Ajouter mon nom</translation>
    </message>
    <message>
        <source>Show my name on the donor wall</source>
        <translation>Afficher mon nom sur le mur des donateurs</translation>
    </message>
</context>
<context>
    <name>PausedScreen</name>
    <message>
        <source>Back in a moment</source>
        <translation>De retour dans un instant</translation>
    </message>
    <message>
        <source>This kiosk is taking a short break. Thank you for your patience.</source>
        <translation>Cette borne fait une courte pause. Merci de votre patience.</translation>
    </message>
</context>
<context>
    <name>PaymentFlow</name>
    <message>
        <source>The payment service could not do this just now.</source>
        <translation>Le service de paiement n’a pas pu le faire pour le moment.</translation>
    </message>
    <message>
        <source>{gift} + {fee} fee</source>
        <translation>{gift} + {fee} de frais</translation>
    </message>
    <message>
        <source>card</source>
        <translation>carte</translation>
    </message>
    <message>
        <source>We could not start the payment</source>
        <translation>Nous n’avons pas pu lancer le paiement</translation>
    </message>
    <message>
        <source>Nothing has been charged.</source>
        <translation>Aucun montant n’a été débité.</translation>
    </message>
    <message>
        <source>This code has expired.</source>
        <translation>Ce code a expiré.</translation>
    </message>
    <message>
        <source>Checking one last time…</source>
        <translation>Dernière vérification…</translation>
    </message>
    <message>
        <source>Your gift is on its way</source>
        <translation>Votre don est en route</translation>
    </message>
    <message>
        <source>We have seen your payment; the network is still confirming it. It will be counted as soon as it is confirmed. There is no need to wait or to pay again. Thank you!</source>
        <translation>Nous avons bien vu votre paiement&#x202f;; le réseau le confirme encore. Il sera comptabilisé dès sa confirmation. Inutile d’attendre ou de payer à nouveau. Merci&#x202f;!</translation>
    </message>
    <message>
        <source>This payment has expired</source>
        <translation>Ce paiement a expiré</translation>
    </message>
    <message>
        <source>The code was only valid for a limited time. Nothing has been charged. Would you like a new code?</source>
        <translation>Le code n’était valable que pour une durée limitée. Aucun montant n’a été débité. Voulez-vous un nouveau code&#x202f;?</translation>
    </message>
    <message>
        <source>Still checking… the connection is slow. If you have paid, it will show up here.</source>
        <translation>Vérification en cours… la connexion est lente. Si vous avez payé, cela s’affichera ici.</translation>
    </message>
    <message>
        <source>Payment seen — confirming…</source>
        <translation>Paiement détecté — confirmation…</translation>
    </message>
    <message>
        <source>Part of your payment has arrived</source>
        <translation>Une partie de votre paiement est arrivée</translation>
    </message>
    <message>
        <source>Thank you! We received less than the full amount. Please stay a moment: a member of staff will help you.</source>
        <translation>Merci&#x202f;! Nous avons reçu moins que le montant total. Restez un instant, s’il vous plaît&#xa0;: un membre de l’équipe va vous aider.</translation>
    </message>
    <message>
        <source>The payment did not go through</source>
        <translation>Le paiement n’a pas abouti</translation>
    </message>
    <message>
        <source>Nothing has been charged. You can try again.</source>
        <translation>Aucun montant n’a été débité. Vous pouvez réessayer.</translation>
    </message>
    <message>
        <source>Waiting for your payment…</source>
        <translation>En attente de votre paiement…</translation>
    </message>
    <message>
        <source>Simulating a payment…</source>
        <translation>Simulation d’un paiement…</translation>
    </message>
</context>
<context>
    <name>PaymentScreen</name>
    <message>
        <source>Pay</source>
        <translation>Payer</translation>
    </message>
    <message>
        <source>Payment QR code</source>
        <translation>QR code de paiement</translation>
    </message>
    <message>
        <source>Send exactly</source>
        <translation>Envoyez exactement</translation>
    </message>
    <message>
        <source>To this address</source>
        <translation>À cette adresse</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Annuler</translation>
    </message>
    <message>
        <source>Cancel and start over</source>
        <translation>Annuler et recommencer</translation>
    </message>
    <message>
        <source>Simulate (demo)</source>
        <translation>Simuler (démo)</translation>
    </message>
    <message>
        <source>Simulate payment</source>
        <translation>Simuler le paiement</translation>
    </message>
    <message>
        <source>Give {amount} by {method}</source>
        <translation>Don de {amount} par {method}</translation>
    </message>
    <message>
        <source>Preparing your payment…</source>
        <translation>Préparation de votre paiement…</translation>
    </message>
    <message>
        <source>Connecting to the payment provider…</source>
        <translation>Connexion au prestataire de paiement…</translation>
    </message>
    <message>
        <source>Scan to give {amount} a month</source>
        <translation>Scannez pour donner {amount} par mois</translation>
    </message>
    <message>
        <source>&lt;ol style=&apos;margin-left:0&apos;&gt;&lt;li&gt;Open your phone&apos;s camera.&lt;/li&gt;&lt;li&gt;Point it at the code.&lt;/li&gt;&lt;li&gt;Set up your monthly gift with card, Apple Pay or Google Pay. You can cancel at any time.&lt;/li&gt;&lt;/ol&gt;</source>
        <translation>&lt;ol style=&apos;margin-left:0&apos;&gt;&lt;li&gt;Ouvrez l’appareil photo de votre téléphone.&lt;/li&gt;&lt;li&gt;Visez le code.&lt;/li&gt;&lt;li&gt;Configurez votre don mensuel par carte, Apple Pay ou Google Pay. Vous pouvez l’annuler à tout moment.&lt;/li&gt;&lt;/ol&gt;</translation>
    </message>
    <message>
        <source>Scan to give {amount}</source>
        <translation>Scannez pour donner {amount}</translation>
    </message>
    <message>
        <source>&lt;ol style=&apos;margin-left:0&apos;&gt;&lt;li&gt;Open your phone&apos;s camera.&lt;/li&gt;&lt;li&gt;Point it at the code.&lt;/li&gt;&lt;li&gt;Pay with card, Apple Pay or Google Pay.&lt;/li&gt;&lt;/ol&gt;</source>
        <translation>&lt;ol style=&apos;margin-left:0&apos;&gt;&lt;li&gt;Ouvrez l’appareil photo de votre téléphone.&lt;/li&gt;&lt;li&gt;Visez le code.&lt;/li&gt;&lt;li&gt;Payez par carte, Apple Pay ou Google Pay.&lt;/li&gt;&lt;/ol&gt;</translation>
    </message>
    <message>
        <source>Waiting for your payment…</source>
        <translation>En attente de votre paiement…</translation>
    </message>
    <message>
        <source>Give {amount} in {coin}</source>
        <translation>Don de {amount} en {coin}</translation>
    </message>
    <message>
        <source>Scan the code with your wallet app, or copy the details.</source>
        <translation>Scannez le code avec votre application de portefeuille, ou copiez les informations.</translation>
    </message>
    <message>
        <source>Network: {network}</source>
        <translation>Réseau&#xa0;: {network}</translation>
    </message>
    <message>
        <source>Memo</source>
        <translation>Mémo</translation>
    </message>
    <message>
        <source>{what} — required</source>
        <translation>{what} — obligatoire</translation>
    </message>
    <message>
        <source>Enter this {what} in your wallet, or your gift cannot be matched.</source>
        <translation>Saisissez ce {what} dans votre portefeuille, sinon votre don ne pourra pas être identifié.</translation>
    </message>
    <message>
        <source>This code has expired</source>
        <translation>Ce code a expiré</translation>
    </message>
    <message>
        <source>Code expires in {time}</source>
        <translation>Le code expire dans {time}</translation>
    </message>
</context>
<context>
    <name>StillThere</name>
    <message>
        <source>Still there?</source>
        <translation>Vous êtes toujours là&#x202f;?</translation>
    </message>
    <message>
        <source>If you have paid on your phone, your gift will be counted — there is nothing more to do here.</source>
        <translation>Si vous avez payé sur votre téléphone, votre don sera comptabilisé — vous n’avez plus rien à faire ici.</translation>
    </message>
    <message>
        <source>I&apos;m still here</source>
        <translation>Je suis toujours là</translation>
    </message>
    <message>
        <source>Back to the start in {n} s</source>
        <translation>Retour à l’accueil dans {n} s</translation>
    </message>
</context>
<context>
    <name>TapFlow</name>
    <message>
        <source>The card reader is not ready</source>
        <translation>Le lecteur de carte n’est pas prêt</translation>
    </message>
    <message>
        <source>Nothing has been charged. You can pay by phone or crypto instead.</source>
        <translation>Aucun montant n’a été débité. Vous pouvez payer par téléphone ou en crypto.</translation>
    </message>
    <message>
        <source>Checking with the bank… the connection is slow. If your card was accepted, it will show here.</source>
        <translation>Vérification auprès de la banque… la connexion est lente. Si votre carte a été acceptée, cela s’affichera ici.</translation>
    </message>
    <message>
        <source>The reader is ready.</source>
        <translation>Le lecteur est prêt.</translation>
    </message>
    <message>
        <source>Your card was declined.</source>
        <translation>Votre carte a été refusée.</translation>
    </message>
    <message>
        <source>Your card was declined: not enough funds.</source>
        <translation>Votre carte a été refusée&#xa0;: fonds insuffisants.</translation>
    </message>
    <message>
        <source>Your card has expired.</source>
        <translation>Votre carte a expiré.</translation>
    </message>
    <message>
        <source>The PIN was not right.</source>
        <translation>Le code PIN est incorrect.</translation>
    </message>
    <message>
        <source>Too many PIN attempts on this card.</source>
        <translation>Trop de tentatives de code PIN sur cette carte.</translation>
    </message>
    <message>
        <source>The reader did not see a card in time.</source>
        <translation>Le lecteur n’a pas détecté de carte à temps.</translation>
    </message>
    <message>
        <source>The payment was cancelled.</source>
        <translation>Le paiement a été annulé.</translation>
    </message>
    <message>
        <source>The payment did not go through.</source>
        <translation>Le paiement n’a pas abouti.</translation>
    </message>
    <message>
        <source>Getting the reader ready again…</source>
        <translation>Nouvelle préparation du lecteur…</translation>
    </message>
    <message>
        <source>Receipt on its way to {email}</source>
        <translation>Reçu en cours d’envoi à {email}</translation>
    </message>
    <message>
        <source>The card reader stopped waiting</source>
        <translation>Le lecteur de carte a cessé d’attendre</translation>
    </message>
    <message>
        <source>Nothing has been charged. Would you like to try again?</source>
        <translation>Aucun montant n’a été débité. Voulez-vous réessayer&#x202f;?</translation>
    </message>
</context>
<context>
    <name>TapScreen</name>
    <message>
        <source>Pay on the card reader</source>
        <translation>Payez sur le lecteur de carte</translation>
    </message>
    <message>
        <source>Tap, insert or swipe your card on the reader</source>
        <translation>Approchez, insérez ou glissez votre carte dans le lecteur</translation>
    </message>
    <message>
        <source>Phones and watches work too. The reader is beside this screen.</source>
        <translation>Téléphones et montres fonctionnent aussi. Le lecteur se trouve à côté de cet écran.</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Annuler</translation>
    </message>
    <message>
        <source>Try another card</source>
        <translation>Essayer une autre carte</translation>
    </message>
    <message>
        <source>Simulate a tap</source>
        <translation>Simuler un paiement sans contact</translation>
    </message>
    <message>
        <source>Simulate a declined card</source>
        <translation>Simuler une carte refusée</translation>
    </message>
    <message>
        <source>Getting the card reader ready…</source>
        <translation>Préparation du lecteur de carte…</translation>
    </message>
    <message>
        <source>The reader is ready.</source>
        <translation>Le lecteur est prêt.</translation>
    </message>
    <message>
        <source>That did not go through</source>
        <translation>Le paiement n’a pas abouti</translation>
    </message>
    <message>
        <source>Nothing has been charged.</source>
        <translation>Aucun montant n’a été débité.</translation>
    </message>
</context>
<context>
    <name>ThanksScreen</name>
    <message>
        <source>Thank you</source>
        <translation>Merci</translation>
    </message>
    <message>
        <source>Thank you!</source>
        <translation>Merci&#x202f;!</translation>
    </message>
    <message>
        <source>Email me a receipt</source>
        <translation>M’envoyer un reçu par e-mail</translation>
    </message>
    <message>
        <source>Done</source>
        <translation>Terminé</translation>
    </message>
    <message>
        <source>Where should we send your receipt?</source>
        <translation>Où devons-nous envoyer votre reçu&#x202f;?</translation>
    </message>
    <message>
        <source>Email address</source>
        <translation>Adresse e-mail</translation>
    </message>
    <message>
        <source>No thanks</source>
        <translation>Non merci</translation>
    </message>
    <message>
        <source>Send the receipt</source>
        <translation>Envoyer le reçu</translation>
    </message>
    <message>
        <source>Sending…</source>
        <translation>Envoi en cours…</translation>
    </message>
    <message>
        <source>Your monthly gift of {amount} to {campaign} has begun. Thank you for giving every month!</source>
        <translation>Votre don mensuel de {amount} pour {campaign} a commencé. Merci de donner chaque mois&#x202f;!</translation>
    </message>
    <message>
        <source>Your gift of {amount} to {campaign} has arrived.</source>
        <translation>Votre don de {amount} pour {campaign} est bien arrivé.</translation>
    </message>
    <message>
        <source>Together we have raised {total}</source>
        <translation>Ensemble, nous avons collecté {total}</translation>
    </message>
</context>
</TS>
