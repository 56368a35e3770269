"""Word lists the contact reading uses: words that follow "I'm" and are never a name.

"I'm frustrated", "I am not happy", "Ich bin Kunde", "je suis déçue": after a weak cue ("I'm",
"ich bin", "je suis", "soy", "sono", "ik ben", "sou") these words say how or what the customer
is, not who. Kept lower-case; matched after lower-casing.
"""

from __future__ import annotations

NOT_NAMES: frozenset[str] = frozenset(
    """
    a an the this that these those it its it's there here not no nor never yes so very really
    too quite just still also already currently always only even again now then today tomorrow
    yesterday soon almost about around over under out off on in at to of for from with without by
    into onto up down back away home and or but if as because since while when where who what
    which why how my your his her our their me you him us them i i'm im am is are was were be
    been being do does did done doing have has had having get got getting go going gone come
    coming came sorry afraid glad happy unhappy pleased sad angry mad upset annoyed irritated
    frustrated furious livid fuming disappointed dissatisfied satisfied confused lost stuck
    locked unable able ready aware sure unsure certain uncertain worried concerned curious
    interested hoping trying looking waiting writing calling contacting asking wondering
    reaching emailing messaging chatting following checking enquiring inquiring planning
    thinking moving travelling traveling leaving staying living working based located
    tired sick fed exhausted done finished desperate devastated gutted shocked surprised
    disgusted appalled horrified amazed impressed confident fine good great ok okay well
    alright new old young late early busy free available online offline away abroad
    customer client user member subscriber owner buyer seller student teacher parent
    business company manager admin administrator developer designer contractor landlord
    tenant patient guest visitor resident citizen one someone somebody anyone nobody
    having using paying charged billed told supposed meant going gonna wanna kinda
    literally honestly seriously totally completely absolutely extremely super pretty
    really truly rather fairly kind sort bit little lot much many more most less least
    all any some every each both either neither other another such same different
    first second third last next previous regular loyal longtime long-time existing
    former current potential prospective returning frequent annoying tired confused
    in-store online-only calling writing
    hi hello hey hiya dear thanks thank please
    hungry bored broke pregnant deaf blind vegan vegetarian diabetic retired unemployed
    disabled poor rich stupid dumb idiot fool genius human bot robot man woman guy girl boy
    lady gentleman mum mom dad wife husband parent kid adult senior pensioner veteran
    fine cool sure right wrong serious joking kidding late early lucky unlucky screwed
    outraged broke stuck lost ok k yes yeah nope nah out in back home there
    ich bin nicht sehr so ganz total echt wirklich schon noch auch kein keine ein eine
    der die das den dem des kunde kundin neukunde stammkunde mitglied student studentin
    besitzer inhaber seit gerade leider sauer wütend enttäuscht frustriert unzufrieden
    verärgert verwirrt zufrieden froh traurig hier da jetzt am im beim von aus mit
    je suis pas très trop vraiment déjà encore aussi un une le la les de du des client
    cliente abonné abonnée membre étudiant étudiante déçu déçue frustré frustrée
    énervé énervée fâché fâchée mécontent mécontente perdu perdue content contente ici
    en au aux avec depuis toujours
    yo soy no muy tan ya todavía también un una el la los las de del cliente clienta
    socio socia estudiante usuario usuaria molesto molesta enfadado enfadada frustrado
    frustrada decepcionado decepcionada confundido confundida contento contenta aquí
    sono non molto troppo già ancora anche uno una il lo la gli le di del della cliente
    socio socia studente utente arrabbiato arrabbiata deluso delusa frustrato frustrata
    confuso confusa contento contenta qui
    ik ben niet erg heel al nog ook een de het klant lid student boos teleurgesteld
    gefrustreerd blij hier
    sou não muito já ainda também um uma o a os as de do da cliente sócio estudante
    chateado chateada frustrado frustrada decepcionado decepcionada aqui
    """.split()
)

# Lower-case words that sit inside a name ("Maria de la Cruz", "Ludwig van Beethoven").
NAME_PARTICLES: frozenset[str] = frozenset(
    "de la le du des del della di da van von der den ter ten dos das bin al el".split()
)

# Capitalised words that follow "I'm" and still are no name: days, months, nationalities.
NOT_NAMES_CAPITALISED: frozenset[str] = frozenset(
    """
    monday tuesday wednesday thursday friday saturday sunday january february march july
    september october november december christmas easter
    american british english scottish welsh irish canadian australian german french spanish
    italian dutch portuguese polish swedish danish norwegian finnish swiss austrian belgian
    greek turkish russian ukrainian indian pakistani chinese japanese korean brazilian mexican
    argentinian nigerian kenyan european asian african pro premium vip gold admin
    """.split()
)
# Titles kept in front of a name ("Dr. Patel", "Professor Anita Rao").
NAME_TITLES: frozenset[str] = frozenset("dr mr mrs ms miss mx prof professor sir dame".split())
