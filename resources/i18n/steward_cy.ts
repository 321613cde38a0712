<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="cy_GB">
<context>
    <name>Columns</name>
    <message>
        <source>Space</source>
        <translation>Gofod</translation>
    </message>
    <message>
        <source>Source</source>
        <translation>Ffynhonnell</translation>
    </message>
    <message>
        <source>Platform</source>
        <translation>Platfform</translation>
    </message>
    <message>
        <source>Messages</source>
        <translation>Negeseuon</translation>
    </message>
    <message>
        <source>Last activity</source>
        <translation>Gweithgarwch diwethaf</translation>
    </message>
    <message>
        <source>Priority</source>
        <translation>Blaenoriaeth</translation>
    </message>
    <message>
        <source>Why</source>
        <translation>Pam</translation>
    </message>
    <message>
        <source>Message</source>
        <translation>Neges</translation>
    </message>
    <message>
        <source>From</source>
        <translation>Oddi wrth</translation>
    </message>
    <message>
        <source>Queued</source>
        <translation>Yn y ciw</translation>
    </message>
    <message>
        <source>Claimed by</source>
        <translation>Hawliwyd</translation>
    </message>
    <message>
        <source>Triage due</source>
        <translation>Brysbennu</translation>
    </message>
    <message>
        <source>Severity</source>
        <translation>Difrifoldeb</translation>
    </message>
    <message>
        <source>Concern</source>
        <translation>Pryder</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Statws</translation>
    </message>
    <message>
        <source>Who and where</source>
        <translation>Pwy a ble</translation>
    </message>
    <message>
        <source>Lead</source>
        <translation>Arweinydd</translation>
    </message>
    <message>
        <source>Flag</source>
        <translation>Fflag</translation>
    </message>
    <message>
        <source>Closed</source>
        <translation>Wedi cau</translation>
    </message>
    <message>
        <source>Kept until</source>
        <translation>Cadw tan</translation>
    </message>
    <message>
        <source>Entries</source>
        <translation>Cofnodion</translation>
    </message>
    <message>
        <source>When</source>
        <translation>Pryd</translation>
    </message>
    <message>
        <source>Where</source>
        <translation>Ble</translation>
    </message>
    <message>
        <source>Account</source>
        <translation>Cyfrif</translation>
    </message>
    <message>
        <source>Decision</source>
        <translation>Penderfyniad</translation>
    </message>
</context>
<context>
    <name>FlagActions</name>
    <message>
        <source>Triaged</source>
        <translation>Brysbennu</translation>
    </message>
    <message>
        <source>Referred</source>
        <translation>Atgyfeirio</translation>
    </message>
    <message>
        <source>Monitoring</source>
        <translation>Monitro</translation>
    </message>
</context>
<context>
    <name>Moderation</name>
    <message>
        <source>Open</source>
        <translation>Ar agor</translation>
    </message>
    <message>
        <source>Snoozed</source>
        <translation>Gohiriwyd</translation>
    </message>
    <message>
        <source>Approved</source>
        <translation>Cymeradwywyd</translation>
    </message>
    <message>
        <source>Removed</source>
        <translation>Tynnwyd</translation>
    </message>
    <message>
        <source>Answered</source>
        <translation>Atebwyd</translation>
    </message>
    <message>
        <source>All</source>
        <translation>Y cyfan</translation>
    </message>
    <message>
        <source>snoozed</source>
        <translation>gohirio</translation>
    </message>
    <message>
        <source>approved</source>
        <translation>cymeradwyo</translation>
    </message>
    <message>
        <source>removed</source>
        <translation>tynnu</translation>
    </message>
    <message>
        <source>Approve</source>
        <translation>Cymeradwyo</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>Tynnu</translation>
    </message>
    <message>
        <source>Escalate</source>
        <translation>Uwchgyfeirio</translation>
    </message>
    <message>
        <source>Snooze</source>
        <translation>Gohirio</translation>
    </message>
    <message>
        <source>Hidden: may be distressing — press V to read</source>
        <translation>Cudd: gallai beri gofid — pwyswch V i&apos;w ddarllen</translation>
    </message>
    <message>
        <source>Escalate to the safeguarding leads</source>
        <translation>Uwchgyfeirio at yr arweinwyr diogelu</translation>
    </message>
    <message>
        <source>Snooze for a day</source>
        <translation>Gohirio am ddiwrnod</translation>
    </message>
    <message>
        <source>escalated to the safeguarding leads</source>
        <translation>uwchgyfeirio at yr arweinwyr diogelu</translation>
    </message>
    <message>
        <source>Urgent</source>
        <translation>Brys</translation>
    </message>
    <message>
        <source>High</source>
        <translation>Uchel</translation>
    </message>
    <message>
        <source>Medium</source>
        <translation>Canolig</translation>
    </message>
    <message>
        <source>Low</source>
        <translation>Isel</translation>
    </message>
    <message>
        <source>{author} in {space} ({platform})</source>
        <translation>{author} yn {space} ({platform})</translation>
    </message>
    <message>
        <source>…or type a reason and press Enter (Esc cancels)</source>
        <translation>…neu teipiwch reswm a phwyswch Enter (Esc i ganslo)</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>Rheswm</translation>
    </message>
    <message>
        <source>this item</source>
        <translation>yr eitem hon</translation>
    </message>
    <message>
        <source>{action} — {items}. Why?</source>
        <translation>{action} — {items}. Pam?</translation>
    </message>
    <message>
        <source>Moderation</source>
        <translation>Cymedroli</translation>
    </message>
    <message>
        <source>Every platform&apos;s queue in one place. J/K move · A approve · R remove · E escalate · S snooze · U undo · X mark for bulk · V read hidden text · F everything from this author</source>
        <translation>Ciw pob platfform mewn un man. J/K symud · A cymeradwyo · R tynnu · E uwchgyfeirio · S gohirio · U dadwneud · X marcio sawl un · V darllen testun cudd · F popeth gan yr awdur hwn</translation>
    </message>
    <message>
        <source>Scan now</source>
        <translation>Sganio nawr</translation>
    </message>
    <message>
        <source>Rules…</source>
        <translation>Rheolau…</translation>
    </message>
    <message>
        <source>Sensitivity…</source>
        <translation>Sensitifrwydd…</translation>
    </message>
    <message>
        <source>List</source>
        <translation>Rhestr</translation>
    </message>
    <message>
        <source>Moderation queue</source>
        <translation>Ciw cymedroli</translation>
    </message>
    <message>
        <source>Newcomers to welcome</source>
        <translation>Rhai newydd i&apos;w croesawu</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>Math</translation>
    </message>
    <message>
        <source>Every kind</source>
        <translation>Pob math</translation>
    </message>
    <message>
        <source>Possible spam</source>
        <translation>Sbam posibl</translation>
    </message>
    <message>
        <source>Rule hits</source>
        <translation>Wedi&apos;u dal gan reol</translation>
    </message>
    <message>
        <source>Reports</source>
        <translation>Adroddiadau</translation>
    </message>
    <message>
        <source>Membership requests</source>
        <translation>Ceisiadau aelodaeth</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Statws</translation>
    </message>
    <message>
        <source>Claimed by</source>
        <translation>Wedi&apos;i hawlio gan</translation>
    </message>
    <message>
        <source>Claimed or not</source>
        <translation>Hawliwyd neu beidio</translation>
    </message>
    <message>
        <source>Claimed by me</source>
        <translation>Hawliwyd gennyf i</translation>
    </message>
    <message>
        <source>Not claimed</source>
        <translation>Heb ei hawlio</translation>
    </message>
    <message>
        <source>Platform</source>
        <translation>Platfform</translation>
    </message>
    <message>
        <source>Every platform</source>
        <translation>Pob platfform</translation>
    </message>
    <message>
        <source>Space</source>
        <translation>Gofod</translation>
    </message>
    <message>
        <source>Every space</source>
        <translation>Pob gofod</translation>
    </message>
    <message>
        <source>A, R, E or S decides every marked item at once; X marks or unmarks the current one</source>
        <translation>Mae A, R, E neu S yn penderfynu ar bob eitem wedi&apos;i marcio ar unwaith; mae X yn marcio neu&apos;n dad-farcio&apos;r eitem bresennol</translation>
    </message>
    <message>
        <source>Item detail</source>
        <translation>Manylion yr eitem</translation>
    </message>
    <message>
        <source>Read the hidden text (V)</source>
        <translation>Darllen y testun cudd (V)</translation>
    </message>
    <message>
        <source>Undo (U)</source>
        <translation>Dadwneud (U)</translation>
    </message>
    <message>
        <source>Claim</source>
        <translation>Hawlio</translation>
    </message>
    <message>
        <source>Take these items on, so others know you are on them</source>
        <translation>Cymryd yr eitemau hyn, fel bod eraill yn gwybod eich bod yn delio â nhw</translation>
    </message>
    <message>
        <source>Everything from this author… (F)</source>
        <translation>Popeth gan yr awdur hwn… (F)</translation>
    </message>
    <message>
        <source>Every message this person posted, in every space, and one decision on all of them</source>
        <translation>Pob neges a bostiodd y person hwn, ym mhob gofod, ac un penderfyniad ar bob un ohonynt</translation>
    </message>
    <message>
        <source>A private note for the other moderators…</source>
        <translation>Nodyn preifat i&apos;r cymedrolwyr eraill…</translation>
    </message>
    <message>
        <source>Note</source>
        <translation>Nodyn</translation>
    </message>
    <message>
        <source>Note on item</source>
        <translation>Nodyn ar yr eitem</translation>
    </message>
    <message>
        <source>Note on person</source>
        <translation>Nodyn ar y person</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>Wrthi’n llwytho…</translation>
    </message>
    <message>
        <source>Could not load the queue: {message}</source>
        <translation>Methu llwytho’r ciw: {message}</translation>
    </message>
    <message>
        <source>No newcomers waiting for a welcome</source>
        <translation>Does dim newydd-ddyfodiaid yn aros am groeso</translation>
    </message>
    <message>
        <source>Steward lists people whose first post has had no reply; press Scan now after an import to check again.</source>
        <translation>Mae Steward yn rhestru pobl sydd heb gael ateb i&apos;w neges gyntaf; pwyswch Sganio nawr ar ôl mewnforio i wirio eto.</translation>
    </message>
    <message>
        <source>No {status} items</source>
        <translation>Does dim eitemau â&apos;r statws ‘{status}’</translation>
    </message>
    <message>
        <source>Choose Open to see what is waiting.</source>
        <translation>Dewiswch Ar agor i weld beth sy&apos;n aros.</translation>
    </message>
    <message>
        <source>Nothing waiting that matches these choices</source>
        <translation>Does dim byd yn aros sy&apos;n cyfateb i&apos;r dewisiadau hyn</translation>
    </message>
    <message>
        <source>Choose Every kind, Claimed or not, Every platform and Every space to see the whole queue.</source>
        <translation>Dewiswch Pob math, Hawliwyd neu beidio, Pob platfform a Pob gofod i weld y ciw cyfan.</translation>
    </message>
    <message>
        <source>Nothing waiting</source>
        <translation>Does dim byd yn aros</translation>
    </message>
    <message>
        <source>Steward scans new messages after every import; press Scan now to check again.</source>
        <translation>Mae Steward yn sganio negeseuon newydd ar ôl pob mewnforio; pwyswch Sganio nawr i wirio eto.</translation>
    </message>
    <message>
        <source>{n} marked ·</source>
        <translation>{n} wedi&apos;u marcio ·</translation>
    </message>
    <message>
        <source>Why it is here</source>
        <translation>Pam mae yma</translation>
    </message>
    <message>
        <source>Their request:</source>
        <translation>Eu cais:</translation>
    </message>
    <message>
        <source>The thread</source>
        <translation>Yr edefyn</translation>
    </message>
    <message>
        <source>{name} across platforms</source>
        <translation>{name} ar draws platfformau</translation>
    </message>
    <message>
        <source>{n} posts</source>
        <translation>{n} neges</translation>
    </message>
    <message>
        <source>, joined {day}</source>
        <translation>, ymunodd {day}</translation>
    </message>
    <message>
        <source>Earlier decisions:</source>
        <translation>Penderfyniadau cynharach:</translation>
    </message>
    <message>
        <source> (undone)</source>
        <translation> (wedi’i ddadwneud)</translation>
    </message>
    <message>
        <source>On the platform:</source>
        <translation>Ar y platfform:</translation>
    </message>
    <message>
        <source>{priority} priority</source>
        <translation>blaenoriaeth: {priority}</translation>
    </message>
    <message>
        <source>waiting {n} days</source>
        <translation>yn aros {n} diwrnod</translation>
    </message>
    <message>
        <source>score {score}</source>
        <translation>sgôr {score}</translation>
    </message>
    <message>
        <source>queued {when}</source>
        <translation>yn y ciw ers {when}</translation>
    </message>
    <message>
        <source>{items} {done} ({reason}). U undoes them.</source>
        <translation>Wedi {done} {items} ({reason}). Mae U yn dadwneud hyn.</translation>
    </message>
    <message>
        <source>Undone: {items} {done} ({reason}).</source>
        <translation>Wedi dadwneud: {done} {items} ({reason}).</translation>
    </message>
    <message>
        <source>Undone: your last decision ({items}).</source>
        <translation>Wedi dadwneud: eich penderfyniad diwethaf ({items}).</translation>
    </message>
    <message>
        <source>Claimed.</source>
        <translation>Wedi&apos;i hawlio.</translation>
    </message>
    <message>
        <source>This item has no known person.</source>
        <translation>Does dim person hysbys i&apos;r eitem hon.</translation>
    </message>
    <message>
        <source>Note added.</source>
        <translation>Nodyn wedi&apos;i ychwanegu.</translation>
    </message>
    <message>
        <source>Scanning for moderation and safeguarding</source>
        <translation>Sganio ar gyfer cymedroli a diogelu</translation>
    </message>
    <message>
        <source>{n} item</source>
        <translation>{n} eitem</translation>
    </message>
    <message>
        <source>{n} items</source>
        <translation>{n} eitem</translation>
    </message>
    <message>
        <source>{spam} spam · {rule} rules · {report} reports</source>
        <translation>{spam} sbam · {rule} rheol · {report} adroddiad</translation>
    </message>
    <message>
        <source>Hidden: may be distressing</source>
        <translation>Cudd: gall beri gofid</translation>
    </message>
    <message>
        <source>No decision yet</source>
        <translation>Dim penderfyniad eto</translation>
    </message>
    <message>
        <source>Kept</source>
        <translation>Cadwyd</translation>
    </message>
    <message>
        <source>Everything from this author</source>
        <translation>Popeth gan yr awdur hwn</translation>
    </message>
    <message>
        <source>Finding every message by this author…</source>
        <translation>Yn chwilio am bob neges gan yr awdur hwn…</translation>
    </message>
    <message>
        <source>Messages by this author</source>
        <translation>Negeseuon gan yr awdur hwn</translation>
    </message>
    <message>
        <source>Reason:</source>
        <translation>Rheswm:</translation>
    </message>
    <message>
        <source>Remove all…</source>
        <translation>Tynnu’r cyfan…</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Cau</translation>
    </message>
    <message>
        <source>Back</source>
        <translation>Yn ôl</translation>
    </message>
    <message>
        <source>This item has no known author.</source>
        <translation>Nid oes awdur hysbys i’r eitem hon.</translation>
    </message>
    <message>
        <source>Everything from {name}</source>
        <translation>Popeth gan {name}</translation>
    </message>
    <message>
        <source>{name}: {n} messages in {spaces} spaces from {accounts} accounts; {open} without a decision.</source>
        <translation>{name}: {n} neges mewn {spaces} gofod o {accounts} cyfrif; {open} heb benderfyniad.</translation>
    </message>
    <message>
        <source>{n} of them may be distressing and are hidden: read them, and escalate any to the safeguarding leads, before removing everything.</source>
        <translation>Gall {n} ohonynt beri gofid ac maen nhw’n gudd: darllenwch nhw, ac uwchgyfeirio unrhyw un at yr arweinwyr diogelu, cyn tynnu popeth.</translation>
    </message>
    <message>
        <source>Remove all {n}…</source>
        <translation>Tynnu’r {n} i gyd…</translation>
    </message>
    <message>
        <source>A decision needs a reason.</source>
        <translation>Mae angen rheswm dros benderfyniad.</translation>
    </message>
    <message>
        <source>Remove all {n} messages from {name} ({reason})? Steward records the decision and lists what to do on each platform; it removes nothing itself. U in the queue undoes the whole step.</source>
        <translation>Tynnu pob un o’r {n} neges gan {name} ({reason})? Mae Steward yn cofnodi’r penderfyniad ac yn rhestru beth i’w wneud ar bob platfform; nid yw’n tynnu dim ei hun. Mae U yn y ciw yn dadwneud y cam cyfan.</translation>
    </message>
    <message>
        <source>Yes, remove all {n}</source>
        <translation>Ie, tynnu’r {n} i gyd</translation>
    </message>
</context>
<context>
    <name>Overview</name>
    <message>
        <source>People</source>
        <translation>Pobl</translation>
    </message>
    <message>
        <source>Spaces</source>
        <translation>Gofodau</translation>
    </message>
    <message>
        <source>Messages</source>
        <translation>Negeseuon</translation>
    </message>
    <message>
        <source>Sources</source>
        <translation>Ffynonellau</translation>
    </message>
    <message>
        <source>Could not be worked out: {problem}</source>
        <translation>Methu cyfrifo hyn: {problem}</translation>
    </message>
    <message>
        <source>Overview</source>
        <translation>Trosolwg</translation>
    </message>
    <message>
        <source>What needs attention today, across every space.</source>
        <translation>Beth sydd angen sylw heddiw, ym mhob gofod.</translation>
    </message>
    <message>
        <source>Nothing here yet</source>
        <translation>Dim byd yma eto</translation>
    </message>
    <message>
        <source>Import your first export or connect a platform on the Sources page; its people, spaces and messages will show up here.</source>
        <translation>Mewnforiwch eich allforiad cyntaf neu cysylltwch blatfform ar y dudalen Ffynonellau; bydd ei bobl, ei ofodau a&apos;i negeseuon yn ymddangos yma.</translation>
    </message>
    <message>
        <source>Go to Sources</source>
        <translation>Mynd i Ffynonellau</translation>
    </message>
    <message>
        <source>Messages not yet checked</source>
        <translation>Negeseuon heb eu gwirio eto</translation>
    </message>
    <message>
        <source>Needs attention</source>
        <translation>Angen sylw</translation>
    </message>
    <message>
        <source>Last activity in each space</source>
        <translation>Gweithgarwch diwethaf ym mhob gofod</translation>
    </message>
    <message>
        <source>Checking them now in the background…</source>
        <translation>Wrthi&apos;n eu gwirio yn y cefndir…</translation>
    </message>
</context>
<context>
    <name>Pages</name>
    <message>
        <source>Overview</source>
        <translation>Trosolwg</translation>
    </message>
    <message>
        <source>Moderation</source>
        <translation>Cymedroli</translation>
    </message>
    <message>
        <source>Safeguarding</source>
        <translation>Diogelu</translation>
    </message>
    <message>
        <source>Engagement</source>
        <translation>Ymgysylltu</translation>
    </message>
    <message>
        <source>Members</source>
        <translation>Aelodau</translation>
    </message>
    <message>
        <source>1:1s</source>
        <translation>Sgyrsiau 1:1</translation>
    </message>
    <message>
        <source>Knowledge library</source>
        <translation>Llyfrgell wybodaeth</translation>
    </message>
    <message>
        <source>Sources</source>
        <translation>Ffynonellau</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>Gosodiadau</translation>
    </message>
</context>
<context>
    <name>Roles</name>
    <message>
        <source>volunteer</source>
        <translation>gwirfoddolwr</translation>
    </message>
    <message>
        <source>steward</source>
        <translation>stiward</translation>
    </message>
    <message>
        <source>safeguarding-lead</source>
        <translation>arweinydd diogelu</translation>
    </message>
    <message>
        <source>admin</source>
        <translation>gweinyddwr</translation>
    </message>
</context>
<context>
    <name>Safeguarding</name>
    <message>
        <source>Suicide or self-harm</source>
        <translation>Hunanladdiad neu hunan-niweidio</translation>
    </message>
    <message>
        <source>Abuse or neglect disclosed</source>
        <translation>Datgelu cam-drin neu esgeulustod</translation>
    </message>
    <message>
        <source>Grooming indicators</source>
        <translation>Arwyddion meithrin perthynas amhriodol</translation>
    </message>
    <message>
        <source>Bullying or harassment</source>
        <translation>Bwlio neu aflonyddu</translation>
    </message>
    <message>
        <source>Radicalisation</source>
        <translation>Radicaleiddio</translation>
    </message>
    <message>
        <source>Sexual content</source>
        <translation>Cynnwys rhywiol</translation>
    </message>
    <message>
        <source>Personal contact details shared</source>
        <translation>Rhannu manylion cyswllt personol</translation>
    </message>
    <message>
        <source>Handed over by a steward</source>
        <translation>Wedi&apos;i drosglwyddo gan stiward</translation>
    </message>
    <message>
        <source>New</source>
        <translation>Newydd</translation>
    </message>
    <message>
        <source>Triaged</source>
        <translation>Wedi&apos;i frysbennu</translation>
    </message>
    <message>
        <source>Referred</source>
        <translation>Wedi&apos;i atgyfeirio</translation>
    </message>
    <message>
        <source>Monitoring</source>
        <translation>Yn cael ei fonitro</translation>
    </message>
    <message>
        <source>Closed</source>
        <translation>Wedi cau</translation>
    </message>
    <message>
        <source>Critical</source>
        <translation>Critigol</translation>
    </message>
    <message>
        <source>High</source>
        <translation>Uchel</translation>
    </message>
    <message>
        <source>Medium</source>
        <translation>Canolig</translation>
    </message>
    <message>
        <source>Low</source>
        <translation>Isel</translation>
    </message>
    <message>
        <source>Open flags</source>
        <translation>Fflagiau agored</translation>
    </message>
    <message>
        <source>Every flag</source>
        <translation>Pob fflag</translation>
    </message>
    <message>
        <source>Triage due {day} {time}</source>
        <translation>Brysbennu erbyn {day} {time}</translation>
    </message>
    <message>
        <source>{person} in {place}</source>
        <translation>{person} yn {place}</translation>
    </message>
    <message>
        <source>{n} min</source>
        <translation>{n} mun</translation>
    </message>
    <message>
        <source>{n} h</source>
        <translation>{n} awr</translation>
    </message>
    <message>
        <source>{n} days</source>
        <translation>{n} diwrnod</translation>
    </message>
    <message>
        <source>Overdue {span}</source>
        <translation>{span} yn hwyr</translation>
    </message>
    <message>
        <source>in {span}</source>
        <translation>ymhen {span}</translation>
    </message>
    <message>
        <source>Safeguarding</source>
        <translation>Diogelu</translation>
    </message>
    <message>
        <source>Concerns for the safeguarding leads, overdue first. Steward flags for you to judge; it never contacts, removes or bans anyone.</source>
        <translation>Pryderon i&apos;r arweinwyr diogelu, y rhai hwyr yn gyntaf. Mae Steward yn fflagio pethau i chi eu barnu; nid yw byth yn cysylltu â neb, yn tynnu dim nac yn gwahardd neb.</translation>
    </message>
    <message>
        <source>Which flags</source>
        <translation>Pa fflagiau</translation>
    </message>
    <message>
        <source>{status} only</source>
        <translation>{status} yn unig</translation>
    </message>
    <message>
        <source>Concern</source>
        <translation>Pryder</translation>
    </message>
    <message>
        <source>Every concern</source>
        <translation>Pob pryder</translation>
    </message>
    <message>
        <source>Scan new messages</source>
        <translation>Sganio negeseuon newydd</translation>
    </message>
    <message>
        <source>Scan new messages for concerns</source>
        <translation>Sganio negeseuon newydd am bryderon</translation>
    </message>
    <message>
        <source>Helplines…</source>
        <translation>Llinellau cymorth…</translation>
    </message>
    <message>
        <source>Edit this workspace&apos;s helplines</source>
        <translation>Golygu llinellau cymorth y gweithle hwn</translation>
    </message>
    <message>
        <source>Review…</source>
        <translation>Adolygu…</translation>
    </message>
    <message>
        <source>Review cases past their retention period</source>
        <translation>Adolygu achosion sydd wedi pasio eu cyfnod cadw</translation>
    </message>
    <message>
        <source>Could not load the flags: {message}</source>
        <translation>Methu llwytho’r fflagiau: {message}</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>Wrthi’n llwytho…</translation>
    </message>
    <message>
        <source>1 flag shown</source>
        <translation>1 fflag yn y golwg</translation>
    </message>
    <message>
        <source>{n} flags shown</source>
        <translation>{n} fflag yn y golwg</translation>
    </message>
    <message>
        <source>{open} open, {overdue} overdue</source>
        <translation>{open} ar agor, {overdue} yn hwyr</translation>
    </message>
    <message>
        <source>Steward checks new messages after every import, and moderators&apos; escalations arrive here too; press Scan new messages to check again.</source>
        <translation>Mae Steward yn gwirio negeseuon newydd ar ôl pob mewnforio, ac mae&apos;r hyn y mae cymedrolwyr yn ei uwchgyfeirio yn cyrraedd yma hefyd; pwyswch Sganio negeseuon newydd i wirio eto.</translation>
    </message>
    <message>
        <source>Helplines saved for this workspace.</source>
        <translation>Llinellau cymorth wedi&apos;u cadw ar gyfer y gweithle hwn.</translation>
    </message>
    <message>
        <source>Helplines for this workspace</source>
        <translation>Llinellau cymorth y gweithle hwn</translation>
    </message>
    <message>
        <source>Helplines</source>
        <translation>Llinellau cymorth</translation>
    </message>
    <message>
        <source>Retention review</source>
        <translation>Adolygu cadw</translation>
    </message>
    <message>
        <source>Why keep it longer</source>
        <translation>Pam ei gadw&apos;n hirach</translation>
    </message>
    <message>
        <source>Why keep it another year</source>
        <translation>Pam ei gadw am flwyddyn arall</translation>
    </message>
    <message>
        <source>Keep a year longer</source>
        <translation>Cadw am flwyddyn arall</translation>
    </message>
    <message>
        <source>Keep the selected case a year longer</source>
        <translation>Cadw&apos;r achos a ddewiswyd am flwyddyn arall</translation>
    </message>
    <message>
        <source>Purge…</source>
        <translation>Dileu&apos;n llwyr…</translation>
    </message>
    <message>
        <source>Purge the selected case</source>
        <translation>Dileu&apos;r achos a ddewiswyd yn llwyr</translation>
    </message>
    <message>
        <source>Choose a flag</source>
        <translation>Dewiswch fflag</translation>
    </message>
    <message>
        <source>Pick a flag in the list to see why it was raised, the helplines and its case record. The message stays hidden until you choose to read it.</source>
        <translation>Dewiswch fflag yn y rhestr i weld pam y cafodd ei chodi, y llinellau cymorth a chofnod yr achos. Mae&apos;r neges yn aros yn gudd nes i chi ddewis ei darllen.</translation>
    </message>
    <message>
        <source>Flagged message</source>
        <translation>Neges a fflagiwyd</translation>
    </message>
    <message>
        <source>Show the message</source>
        <translation>Dangos y neges</translation>
    </message>
    <message>
        <source>Show or hide the flagged message</source>
        <translation>Dangos neu guddio&apos;r neges a fflagiwyd</translation>
    </message>
    <message>
        <source>Show the patterns</source>
        <translation>Dangos y patrymau</translation>
    </message>
    <message>
        <source>Show the lexicon patterns that matched</source>
        <translation>Dangos y patrymau geiriau a gafodd eu canfod</translation>
    </message>
    <message>
        <source>Helplines and replies (nothing is sent)</source>
        <translation>Cymorth ac atebion (ni anfonir dim)</translation>
    </message>
    <message>
        <source>Reply template</source>
        <translation>Templed ateb</translation>
    </message>
    <message>
        <source>Reply to copy</source>
        <translation>Ateb i&apos;w gopïo</translation>
    </message>
    <message>
        <source>Copy reply</source>
        <translation>Copïo&apos;r ateb</translation>
    </message>
    <message>
        <source>Copy reply to the clipboard</source>
        <translation>Copïo&apos;r ateb i&apos;r clipfwrdd</translation>
    </message>
    <message>
        <source>Case entries</source>
        <translation>Cofnodion yr achos</translation>
    </message>
    <message>
        <source>Mark as {status}</source>
        <translation>Nodi fel {status}</translation>
    </message>
    <message>
        <source>Close…</source>
        <translation>Cau…</translation>
    </message>
    <message>
        <source>Close the flag with an outcome</source>
        <translation>Cau&apos;r fflag gyda chanlyniad</translation>
    </message>
    <message>
        <source>Lead to assign</source>
        <translation>Arweinydd i&apos;w neilltuo</translation>
    </message>
    <message>
        <source>Assign</source>
        <translation>Neilltuo</translation>
    </message>
    <message>
        <source>Assign the flag to this lead</source>
        <translation>Neilltuo&apos;r fflag i&apos;r arweinydd hwn</translation>
    </message>
    <message>
        <source>Kind of entry</source>
        <translation>Math o gofnod</translation>
    </message>
    <message>
        <source>Note</source>
        <translation>Nodyn</translation>
    </message>
    <message>
        <source>Contact</source>
        <translation>Cyswllt</translation>
    </message>
    <message>
        <source>Referral</source>
        <translation>Atgyfeiriad</translation>
    </message>
    <message>
        <source>Add a case note (append-only)</source>
        <translation>Ychwanegu nodyn achos (ni ellir ei newid wedyn)</translation>
    </message>
    <message>
        <source>New case note</source>
        <translation>Nodyn achos newydd</translation>
    </message>
    <message>
        <source>Entry to correct</source>
        <translation>Cofnod i&apos;w gywiro</translation>
    </message>
    <message>
        <source>Correction (the original stays in the record)</source>
        <translation>Cywiriad (mae&apos;r gwreiddiol yn aros yn y cofnod)</translation>
    </message>
    <message>
        <source>Correction</source>
        <translation>Cywiriad</translation>
    </message>
    <message>
        <source>Correct</source>
        <translation>Cywiro</translation>
    </message>
    <message>
        <source>Add the correction</source>
        <translation>Ychwanegu&apos;r cywiriad</translation>
    </message>
    <message>
        <source>Person&apos;s chronology</source>
        <translation>Cronoleg y person</translation>
    </message>
    <message>
        <source>Show the person&apos;s chronology</source>
        <translation>Dangos cronoleg y person</translation>
    </message>
    <message>
        <source>Export case record (PDF)…</source>
        <translation>Allforio’r cofnod (PDF)…</translation>
    </message>
    <message>
        <source>Export the case record as PDF</source>
        <translation>Allforio cofnod yr achos fel PDF</translation>
    </message>
    <message>
        <source>Why it was flagged</source>
        <translation>Pam y cafodd ei fflagio</translation>
    </message>
    <message>
        <source>Case record</source>
        <translation>Cofnod yr achos</translation>
    </message>
    <message>
        <source>Flag {id}: {concern}</source>
        <translation>Fflag {id}: {concern}</translation>
    </message>
    <message>
        <source>no space</source>
        <translation>dim gofod</translation>
    </message>
    <message>
        <source>{space} on {platform}</source>
        <translation>{space} ar {platform}</translation>
    </message>
    <message>
        <source>triage due {when}</source>
        <translation>brysbennu erbyn {when}</translation>
    </message>
    <message>
        <source> (OVERDUE)</source>
        <translation> (WEDI MYND HEIBIO)</translation>
    </message>
    <message>
        <source>unknown person</source>
        <translation>person anhysbys</translation>
    </message>
    <message>
        <source>lead: {lead}</source>
        <translation>arweinydd: {lead}</translation>
    </message>
    <message>
        <source> (pattern: {pattern})</source>
        <translation> (patrwm: {pattern})</translation>
    </message>
    <message>
        <source>Handed over by {who}: {note}</source>
        <translation>Wedi’i drosglwyddo gan {who}: {note}</translation>
    </message>
    <message>
        <source>Outcome: {outcome}</source>
        <translation>Canlyniad: {outcome}</translation>
    </message>
    <message>
        <source>Hide the patterns</source>
        <translation>Cuddio’r patrymau</translation>
    </message>
    <message>
        <source>Hide the message</source>
        <translation>Cuddio’r neges</translation>
    </message>
    <message>
        <source>Flag {id} is now {status}.</source>
        <translation>Mae fflag {id} bellach yn y cyflwr ‘{status}’.</translation>
    </message>
    <message>
        <source>Flag {id} closed.</source>
        <translation>Fflag {id} wedi cau.</translation>
    </message>
    <message>
        <source>Flag {id} assigned to {lead}.</source>
        <translation>Fflag {id} wedi’i neilltuo i {lead}.</translation>
    </message>
    <message>
        <source>Reply copied. Paste it on the platform yourself if it helps.</source>
        <translation>Ateb wedi&apos;i gopïo. Gludwch ef ar y platfform eich hun os yw&apos;n helpu.</translation>
    </message>
    <message>
        <source>Export the chronology as PDF</source>
        <translation>Allforio&apos;r gronoleg fel PDF</translation>
    </message>
    <message>
        <source>Close flag {id}</source>
        <translation>Cau fflag {id}</translation>
    </message>
    <message>
        <source>Outcome</source>
        <translation>Canlyniad</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>Rheswm</translation>
    </message>
    <message>
        <source>Needed for &apos;no further action&apos;</source>
        <translation>Angen ar gyfer &apos;dim camau pellach&apos;</translation>
    </message>
    <message>
        <source>Close the flag</source>
        <translation>Cau&apos;r fflag</translation>
    </message>
    <message>
        <source>Say why no further action is needed: the reason goes into the case record.</source>
        <translation>Dywedwch pam nad oes angen camau pellach: mae’r rheswm yn mynd i gofnod yr achos.</translation>
    </message>
</context>
<context>
    <name>Settings</name>
    <message>
        <source>Language</source>
        <translation>Iaith</translation>
    </message>
    <message>
        <source>Language on this computer</source>
        <translation>Iaith ar y cyfrifiadur hwn</translation>
    </message>
    <message>
        <source>As the system ({language})</source>
        <translation>Fel y system ({language})</translation>
    </message>
    <message>
        <source>Saved: Steward will use it from the next start.</source>
        <translation>Wedi&apos;i gadw: bydd Steward yn ei defnyddio o&apos;r tro nesaf y bydd yn dechrau.</translation>
    </message>
</context>
<context>
    <name>Table</name>
    <message>
        <source>Loading…</source>
        <translation>Wrthi’n llwytho…</translation>
    </message>
    <message>
        <source>Loading</source>
        <translation>Wrthi’n llwytho</translation>
    </message>
</context>
<context>
    <name>Tiles</name>
    <message>
        <source>Open queue items</source>
        <translation>Eitemau agored yn y ciw</translation>
    </message>
    <message>
        <source>Safeguarding flags</source>
        <translation>Fflagiau diogelu</translation>
    </message>
    <message>
        <source>Safeguarding</source>
        <translation>Diogelu</translation>
    </message>
    <message>
        <source>Quiet spaces</source>
        <translation>Gofodau tawel</translation>
    </message>
    <message>
        <source>Newcomers to welcome</source>
        <translation>Newydd-ddyfodiaid i&apos;w croesawu</translation>
    </message>
    <message>
        <source>Leader candidates</source>
        <translation>Arweinwyr posibl</translation>
    </message>
    <message>
        <source>Lapsed members</source>
        <translation>Aelodau sydd wedi peidio</translation>
    </message>
    <message>
        <source>1:1 follow-ups</source>
        <translation>Camau dilynol 1:1</translation>
    </message>
    <message>
        <source>Last backup</source>
        <translation>Copi wrth gefn diwethaf</translation>
    </message>
</context>
<context>
    <name>Time</name>
    <message>
        <source>never</source>
        <translation>erioed</translation>
    </message>
    <message>
        <source>today</source>
        <translation>heddiw</translation>
    </message>
    <message>
        <source>yesterday</source>
        <translation>ddoe</translation>
    </message>
    <message>
        <source>1 day ago</source>
        <translation>diwrnod yn ôl</translation>
    </message>
    <message>
        <source>{n} days ago</source>
        <translation>{n} diwrnod yn ôl</translation>
    </message>
    <message>
        <source>{n} weeks ago</source>
        <translation>{n} wythnos yn ôl</translation>
    </message>
    <message>
        <source>{n} months ago</source>
        <translation>{n} mis yn ôl</translation>
    </message>
    <message>
        <source>1 year ago</source>
        <translation>flwyddyn yn ôl</translation>
    </message>
    <message>
        <source>{n} years ago</source>
        <translation>{n} o flynyddoedd yn ôl</translation>
    </message>
</context>
<context>
    <name>Unlock</name>
    <message>
        <source>Unlock</source>
        <translation>Datgloi</translation>
    </message>
    <message>
        <source>Profile</source>
        <translation>Proffil</translation>
    </message>
    <message>
        <source>Passphrase</source>
        <translation>Cyfrinymadrodd</translation>
    </message>
    <message>
        <source>Remember on this computer</source>
        <translation>Cofio ar y cyfrifiadur hwn</translation>
    </message>
    <message>
        <source>Open another…</source>
        <translation>Agor un arall…</translation>
    </message>
    <message>
        <source>Open another workspace</source>
        <translation>Agor gweithle arall</translation>
    </message>
    <message>
        <source>Unlock {name}</source>
        <translation>Datgloi {name}</translation>
    </message>
    <message>
        <source>the workspace</source>
        <translation>y gweithle</translation>
    </message>
    <message>
        <source>Remembering is off: {reason}.</source>
        <translation>Mae cofio wedi&apos;i ddiffodd: {reason}.</translation>
    </message>
    <message>
        <source>Demo workspace — every profile&apos;s passphrase is {passphrase}</source>
        <translation>Gweithle arddangos — cyfrinymadrodd pob proffil yw {passphrase}</translation>
    </message>
    <message>
        <source>Remembered on this computer: just press Unlock</source>
        <translation>Wedi&apos;i gofio ar y cyfrifiadur hwn: pwyswch Datgloi</translation>
    </message>
    <message>
        <source>Unlocking…</source>
        <translation>Wrthi&apos;n datgloi…</translation>
    </message>
    <message>
        <source>That passphrase is not right for this profile. Try again.</source>
        <translation>Nid yw&apos;r cyfrinymadrodd hwnnw&apos;n gywir ar gyfer y proffil hwn. Rhowch gynnig arall arni.</translation>
    </message>
    <message>
        <source>Enter the passphrase: nothing is remembered for this profile here.</source>
        <translation>Rhowch y cyfrinymadrodd: does dim wedi&apos;i gofio ar gyfer y proffil hwn yma.</translation>
    </message>
</context>
<context>
    <name>Window</name>
    <message>
        <source>Details</source>
        <translation>Manylion</translation>
    </message>
    <message>
        <source>Dismiss</source>
        <translation>Diystyru</translation>
    </message>
    <message>
        <source>Lock</source>
        <translation>Cloi</translation>
    </message>
    <message>
        <source>Lock now</source>
        <translation>Cloi nawr</translation>
    </message>
    <message>
        <source>Hide everything and drop the keys ({shortcut})</source>
        <translation>Cuddio popeth a gollwng yr allweddi ({shortcut})</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Canslo</translation>
    </message>
</context>
</TS>
