# ruff: noqa: E501
"""Generalisation: conversations in businesses, voices and phrasings the rules were not built on.

Car hire, a dentist, university admissions, food delivery, gyms, letting agents, a mobile game,
pet insurance, a council, a crypto exchange, B2B SaaS admin, furniture, a travel agency, web
hosting, utilities, a cinema, e-bikes, weddings, a language school, printers, plumbers, grocery,
broadband, co-living, an airline, hairdressers, ride hailing, solar, removals, camps, opticians,
car servicing, mortgages, charities, a laundry, e-scooters, domains, skincare, alarms, trains,
passports, tutoring, toys, EV charging, bakeries, nurseries, a marketplace, recruitment, student
loans, restaurants, spas, accounting, payroll, tickets, cruises, tattoos, driving schools, VPNs,
wine clubs, storage, caravan parks, golf, funerals, e-learning, smart homes, loyalty miles,
lockers, clothing rental, hearing aids, taxis, tyres, student halls, visas, banks, hotels.

Terse, polite-but-angry, non-native, texting, British and American, long and rambling,
sarcastic, laughing at themselves ("SO frustrating haha", "sorry for the dumb question");
urgent harm (swelling after a filling, an allergy met, a parent on home oxygen), threats to
leave said softly ("I'm not angry, just disappointed ... I'll probably just cancel");
first-message complaints ("charged twice", "still hasn't arrived", "third time"),
asks for a person in many shapes ("phone number?", "transfer me", "get me someone", "anyone
from support around?", "may I be connected to an advisor"), persistence after a fallback, and
hard negatives: capitals of joy, "terrible weather lol", quoted error messages, codes, premium
customers with routine questions, "call me a taxi", "someone who can deliver on a Sunday",
"do I need to speak to anyone to cancel?".
"""

from __future__ import annotations

import json

import pytest

from baton.evaluation.signals import (
    LabelledConversation,
    evaluate_signals,
    parse_conversation,
    replay,
)

CONVERSATIONS_JSONL = r"""
{"id":"gen-alarm-01","turns":[{"role":"customer","text":"Alarm went off at 3am twice this week for no reason and the app shows no sensor triggered"}],"expect":{"escalate":true,"by_turn":1,"reasons":["complex_issue"]}}
{"id":"gen-alarm-03","turns":[{"role":"customer","text":"how do I change my alarm PIN"},{"role":"bot","text":"Go to Settings > Users > your name > Change PIN.","outcome":"answered"},{"role":"customer","text":"thank you!"}],"expect":{"escalate":false,"reasons":[]}}
{"id":"gen-ask-06","turns":[{"role":"customer","text":"Contact details for your head office please"}],"expect":{"escalate":true,"by_turn":1,"reasons":["explicit_request"]}}
{"id":"gen-bike-03","turns":[{"role":"customer","text":"anyone from support around? need help now"}],"expect":{"escalate":true,"by_turn":1,"reasons":["explicit_request"]}}
{"id":"gen-camp-02","turns":[{"role":"customer","text":"What time is drop off for the summer camp?"},{"role":"bot","text":"Drop off is from 8:30am; the day starts at 9.","outcome":"answered"},{"role":"customer","text":"perfect"}],"expect":{"escalate":false,"reasons":[]}}
{"id":"gen-car-04","turns":[{"role":"customer","text":"can i speak with your manager please"}],"expect":{"escalate":true,"by_turn":1,"reasons":["explicit_request"]}}
{"id":"gen-car2-02","turns":[{"role":"customer","text":"are dogs allowed at the caravan park"},{"role":"bot","text":"Yes, up to 2 dogs per pitch.","outcome":"answered"},{"role":"customer","text":"yay"}],"expect":{"escalate":false,"reasons":[]}}
{"id":"gen-cin-04","turns":[{"role":"customer","text":"Can I bring my own snacks lol"},{"role":"bot","text":"Outside food isn't allowed, but bottled water is fine.","outcome":"answered"},{"role":"customer","text":"fair enough haha"}],"expect":{"escalate":false,"reasons":[]}}
{"id":"gen-cins-02","turns":[{"role":"customer","text":"Can I add my partner as a named driver?"},{"role":"bot","text":"Yes, under Policy > Drivers > Add driver; it may change your premium.","outcome":"answered"},{"role":"customer","text":"ok thanks"}],"expect":{"escalate":false,"reasons":[]}}
{"id":"gen-craft-01","turns":[{"role":"customer","text":"is this yarn machine washable"},{"role":"bot","text":"Yes, it's superwash merino, machine washable at 30.","outcome":"answered"},{"role":"customer","text":"lovely"}],"expect":{"escalate":false,"reasons":[]}}
{"id":"gen-cry-03","turns":[{"role":"customer","text":"representative"}],"expect":{"escalate":true,"by_turn":1,"reasons":["explicit_request"]}}
{"id":"gen-dent-10","turns":[{"role":"customer","text":"phone number?"}],"expect":{"escalate":true,"by_turn":1,"reasons":["explicit_request"]}}
{"id":"gen-dm-01","turns":[{"role":"customer","text":"when does my plan renew"},{"role":"bot","text":"Your plan renews on the 1st of each month.","outcome":"answered"},{"role":"customer","text":"i mean the annual discount, when does that end"},{"role":"bot","text":"Your plan renews on the 1st of each month.","outcome":"answered"},{"role":"customer","text":"omg. forget it"}],"expect":{"escalate":true,"by_turn":3,"reasons":["emotional","knowledge_gap"]}}
{"id":"gen-ecom-04","turns":[{"role":"customer","text":"when will my order ship"},{"role":"bot","text":"Orders ship within 2 working days.","outcome":"answered"},{"role":"customer","text":"It's been 9 days. You keep telling me 2 working days."}],"expect":{"escalate":true,"by_turn":2,"reasons":["emotional"]}}
{"id":"gen-en-03","turns":[{"role":"customer","text":"OMG THIS IS THE BEST NEWS EVER, my order is already here!!"},{"role":"bot","text":"Yay! Enjoy!","outcome":"answered"}],"expect":{"escalate":false,"reasons":[]}}
{"id":"gen-en-10","turns":[{"role":"customer","text":"My bank said my card was declined because of a fraud check. I've approved it in my banking app now, can I try again?"},{"role":"bot","text":"Yes, please try again; the payment should go through now.","outcome":"answered"},{"role":"customer","text":"went through, thanks"}],"expect":{"escalate":false,"reasons":[]}}
{"id":"gen-esc-07","turns":[{"role":"customer","text":"where can I find a contact number for customer services"}],"expect":{"escalate":true,"by_turn":1,"reasons":["explicit_request"]}}
{"id":"gen-ev-01","turns":[{"role":"customer","text":"Charger at the Tesco car park took £38 and delivered zero kWh. Session shows \"completed\"."}],"expect":{"escalate":true,"by_turn":1,"reasons":["complex_issue"]}}
{"id":"gen-ex-12","turns":[{"role":"customer","text":"Customer service number please"}],"expect":{"escalate":true,"by_turn":1,"reasons":["explicit_request"]}}
{"id":"gen-fly-03","turns":[{"role":"customer","text":"Is there a vegan meal option on the Lisbon flight?"},{"role":"bot","text":"Sorry, I don't have meal details for that flight.","outcome":"fallback"},{"role":"customer","text":"I'm flying Thursday, I really need to know if I should bring food"}],"expect":{"escalate":true,"by_turn":2,"reasons":["knowledge_gap"]}}
{"id":"gen-food-05","turns":[{"role":"customer","text":"THANK YOU SO MUCH the rider was super fast!!!"},{"role":"bot","text":"That's lovely to hear, we'll pass it on!","outcome":"answered"},{"role":"customer","text":"🙏"}],"expect":{"escalate":false,"reasons":[]}}
{"id":"gen-food-07","turns":[{"role":"customer","text":"That's terrible weather lol, are you still delivering tonight?"},{"role":"bot","text":"Yes, though deliveries may take a little longer in the rain.","outcome":"answered"},{"role":"customer","text":"no worries"}],"expect":{"escalate":false,"reasons":[]}}
{"id":"gen-food-11","turns":[{"role":"customer","text":"I was charged twice for order #44871"}],"expect":{"escalate":true,"by_turn":1,"reasons":["complex_issue"]}}
{"id":"gen-fur-06","turns":[{"role":"customer","text":"Delivery guys scratched my hallway floor and dented the wall carrying the wardrobe upstairs."}],"expect":{"escalate":true,"by_turn":1,"reasons":["complex_issue"]}}
{"id":"gen-game-01","turns":[{"role":"customer","text":"I bought 2000 gems and they never showed up in my account. Paid £19.99 for nothing!!"}],"expect":{"escalate":true,"by_turn":1,"reasons":["complex_issue","emotional"]}}
{"id":"gen-gn-04","turns":[{"role":"customer","text":"\"Payment failed - please update your card\" - I got this email but I already updated my card yesterday. Can I ignore it?"},{"role":"bot","text":"Yes, if you updated your card after the email was sent, your next payment will use the new card.","outcome":"answered"},{"role":"customer","text":"great, thanks"}],"expect":{"escalate":false,"reasons":[]}}
{"id":"gen-gn-06","turns":[{"role":"customer","text":"Can you remind me how to dispute a transaction? Don't need to do it now, just noting it down"},{"role":"bot","text":"Tap the transaction, then Report a problem > Dispute.","outcome":"answered"},{"role":"customer","text":"noted, ty"}],"expect":{"escalate":false,"reasons":[]}}
{"id":"gen-gn-11","turns":[{"role":"customer","text":"sorry to be a pain, could you tell me the returns address again?"},{"role":"bot","text":"Returns go to Unit 9, Mill Lane, Bristol BS3 4AA.","outcome":"answered"},{"role":"customer","text":"thanks so much"}],"expect":{"escalate":false,"reasons":[]}}
{"id":"gen-gn-14","turns":[{"role":"customer","text":"hi! my order 7781 says dispatched, roughly when will it get here?"},{"role":"bot","text":"Order 7781 should arrive tomorrow.","outcome":"answered"},{"role":"customer","text":"yay thanks"}],"expect":{"escalate":false,"reasons":[]}}
{"id":"gen-gy-09","turns":[{"role":"customer","text":"I ACCIDENTALLY LEFT CAPS ON SORRY. CAN I CHANGE MY DELIVERY DATE?"},{"role":"bot","text":"Yes, under My orders > Change delivery.","outcome":"answered"},{"role":"customer","text":"THANKS"}],"expect":{"escalate":false,"reasons":[]}}
{"id":"gen-gym-09","turns":[{"role":"customer","text":"My key fob stopped working and now the gate won't let me in. I'm standing outside with my kid."}],"expect":{"escalate":true,"by_turn":1,"reasons":["complex_issue"]}}
{"id":"gen-gz-02","turns":[{"role":"customer","text":"can i please just talk to someone real"}],"expect":{"escalate":true,"by_turn":1,"reasons":["explicit_request"]}}
{"id":"gen-hb-01","turns":[{"role":"customer","text":"My site has been down since 6am and your status page says all systems operational. We're losing sales."}],"expect":{"escalate":true,"by_turn":1,"reasons":["complex_issue"]}}
{"id":"gen-hy-02","turns":[{"role":"customer","text":"Do I need to speak to anyone to cancel, or can I do it online?"},{"role":"bot","text":"You can cancel online under Account > Membership.","outcome":"answered"},{"role":"customer","text":"great, done"}],"expect":{"escalate":false,"reasons":[]}}
{"id":"gen-ind-11","turns":[{"role":"customer","text":"Can I chat to an actual human being please"}],"expect":{"escalate":true,"by_turn":1,"reasons":["explicit_request"]}}
{"id":"gen-ins-03","turns":[{"role":"customer","text":"I want a human being, not a FAQ"}],"expect":{"escalate":true,"by_turn":1,"reasons":["explicit_request"]}}
{"id":"gen-lang-01","turns":[{"role":"customer","text":"i wud like to speak wid a teacher abt my level pls"}],"expect":{"escalate":true,"by_turn":1,"reasons":["explicit_request"]}}
{"id":"gen-misc-04","turns":[{"role":"customer","text":"SORRY FOR CAPS, MY KEYBOARD IS STUCK. WHAT TIME DO YOU CLOSE TODAY"},{"role":"bot","text":"We close at 8pm today.","outcome":"answered"},{"role":"customer","text":"THANKS"}],"expect":{"escalate":false,"reasons":[]}}
{"id":"gen-misc-09","turns":[{"role":"customer","text":"I'd like someone to help me choose a gift for my dad, he loves gardening. Any ideas?"},{"role":"bot","text":"Our gardening gift sets start at £25; the deluxe tool roll is a bestseller.","outcome":"answered"},{"role":"customer","text":"ooh the tool roll, perfect"}],"expect":{"escalate":false,"reasons":[]}}
{"id":"gen-mkt-03","turns":[{"role":"customer","text":"Need someone from trust and safety to look at a listing asap, it's a scam"}],"expect":{"escalate":true,"by_turn":1,"reasons":["explicit_request"]}}
{"id":"gen-muni-07","turns":[{"role":"customer","text":"i need to speak with a person about housing benefit, not a bot"}],"expect":{"escalate":true,"by_turn":1,"reasons":["explicit_request"]}}
{"id":"gen-neg-05","turns":[{"role":"customer","text":"Can you tell me the VAT ID on your invoices? SKU-123 is on my order and my accountant needs the VAT ID."},{"role":"bot","text":"Our VAT number is GB123456789; it's printed at the bottom of every invoice.","outcome":"answered"},{"role":"customer","text":"thanks!"}],"expect":{"escalate":false,"reasons":[]}}
{"id":"gen-neg-06","turns":[{"role":"customer","text":"Which terminal does my flight to Lisbon leave from?"},{"role":"bot","text":"Your TAP flight leaves from Terminal 2.","outcome":"answered"},{"role":"customer","text":"great and is lounge access included?"},{"role":"bot","text":"Yes, Premium members get lounge access on all long-haul and European flights.","outcome":"answered"},{"role":"customer","text":"brilliant, thanks"}],"contact":{"attributes":{"plan":"Premium","lifetime_value":22000}},"expect":{"escalate":false,"reasons":[]}}
{"id":"gen-neg-07","turns":[{"role":"customer","text":"the error message says \"Card declined: insufficient funds\" – does that mean the problem is on my bank's side?"},{"role":"bot","text":"Yes, that message comes from your bank. Please check your balance or try another card.","outcome":"answered"},{"role":"customer","text":"ah right, I'll move some money over. cheers"}],"expect":{"escalate":false,"reasons":[]}}
{"id":"gen-neg-11","turns":[{"role":"customer","text":"My husband's a real estate agent so he'll handle the paperwork. Can he sign on my behalf?"},{"role":"bot","text":"Yes, with a signed letter of authority from you.","outcome":"answered"},{"role":"customer","text":"great, thanks"}],"expect":{"escalate":false,"reasons":[]}}
{"id":"gen-neg-22","turns":[{"role":"customer","text":"Is the complaint procedure on your website? Just want to read it for a uni assignment on customer service."},{"role":"bot","text":"Yes, it's linked at the bottom of every page under Complaints.","outcome":"answered"},{"role":"customer","text":"thanks a lot!"}],"expect":{"escalate":false,"reasons":[]}}
{"id":"gen-neg-25","turns":[{"role":"customer","text":"I'm frustrated with myself, I forgot my password again 😅 how do I reset it?"},{"role":"bot","text":"Tap \"Forgot password\" on the login page and we'll email you a link.","outcome":"answered"},{"role":"customer","text":"got it, thanks"}],"expect":{"escalate":false,"reasons":[]}}
{"id":"gen-neg2-06","turns":[{"role":"customer","text":"Could you call me a taxi from the airport? Joking 😄 is there a shuttle bus?"},{"role":"bot","text":"Yes, the free shuttle runs every 20 minutes from Terminal 1.","outcome":"answered"},{"role":"customer","text":"haha great thanks"}],"expect":{"escalate":false,"reasons":[]}}
{"id":"gen-neg2-07","turns":[{"role":"customer","text":"is there someone at the front desk 24/7? I arrive at 2am"},{"role":"bot","text":"Yes, reception is staffed 24 hours.","outcome":"answered"},{"role":"customer","text":"amazing, thank you"}],"expect":{"escalate":false,"reasons":[]}}
{"id":"gen-neg3-07","turns":[{"role":"customer","text":"Is there someone who can deliver on a Sunday?"},{"role":"bot","text":"Yes, Sunday delivery is available in most areas for £5.","outcome":"answered"},{"role":"customer","text":"nice"}],"expect":{"escalate":false,"reasons":[]}}
{"id":"gen-ph-02","turns":[{"role":"customer","text":"It's been 3 months since our family shoot and we still haven't received the photos. We've emailed 4 times. This is getting silly."}],"expect":{"escalate":true,"by_turn":1,"reasons":["emotional","complex_issue"]}}
{"id":"gen-plumb-01","turns":[{"role":"customer","text":"Your plumber fixed our leak on Tuesday and it's leaking again worse than before. Kitchen ceiling is soaked. Need someone out today."}],"expect":{"escalate":true,"by_turn":1,"reasons":["complex_issue","emotional"]}}
{"id":"gen-rec-01","turns":[{"role":"customer","text":"Four interviews, two take-home tasks, and then you ghosted me for a month. Really professional."}],"expect":{"escalate":true,"by_turn":1,"reasons":["emotional"]}}
{"id":"gen-rent-02","turns":[{"role":"customer","text":"what happens if I damage a dress by accident"},{"role":"bot","text":"Minor damage is covered by the £5 insurance included in every rental.","outcome":"answered"},{"role":"customer","text":"oh that's great"}],"expect":{"escalate":false,"reasons":[]}}
{"id":"gen-sa-03","turns":[{"role":"customer","text":"We removed 6 users in March but we're still being billed for 20 seats"}],"contact":{"attributes":{"plan":"Team","seats":14}},"expect":{"escalate":true,"by_turn":1,"reasons":["complex_issue"]}}
{"id":"gen-saas-09","turns":[{"role":"customer","text":"For the third time: our webhooks stopped firing on Friday. We've lost a weekend of orders. I'd appreciate an actual response this time."}],"expect":{"escalate":true,"by_turn":1,"reasons":["emotional"]}}
{"id":"gen-soft-01","turns":[{"role":"customer","text":"Every invoice we've generated since Tuesday has the wrong VAT amount and we've already sent 60 of them to clients"}],"contact":{"attributes":{"plan":"Pro","seats":30}},"expect":{"escalate":true,"by_turn":1,"reasons":["complex_issue","high_value"]}}
{"id":"gen-swim-01","turns":[{"role":"customer","text":"Do you have swimming lessons for a child with Down syndrome?"},{"role":"bot","text":"I'm sorry, I don't have information on that.","outcome":"fallback"},{"role":"customer","text":"she's 6 and loves water, we just need to know if the instructors have experience"}],"expect":{"escalate":true,"by_turn":2,"reasons":["knowledge_gap"]}}
{"id":"gen-tix-03","turns":[{"role":"customer","text":"Your queue system kicked me out 3 times at checkout and now it's sold out. Absolute shambles. I've been a member for 8 years."}],"expect":{"escalate":true,"by_turn":1,"reasons":["emotional"]}}
{"id":"gen-trav-06","turns":[{"role":"customer","text":"We were charged the single supplement on a twin room booking for our Italy tour. Can this be corrected?"}],"contact":{"attributes":{"plan":"Platinum Club","lifetime_value":18000}},"expect":{"escalate":true,"by_turn":1,"reasons":["high_value","complex_issue"]}}
{"id":"gen-tut-03","turns":[{"role":"customer","text":"Hi. I'd like to discuss my son's progress with whoever manages the tutors."}],"expect":{"escalate":true,"by_turn":1,"reasons":["explicit_request"]}}
{"id":"gen-uni-04","turns":[{"role":"customer","text":"Do you accept the Indian CBSE Class 12 for direct entry to Year 1 Engineering?"},{"role":"bot","text":"I'm sorry, I don't have information about that qualification.","outcome":"fallback"},{"role":"customer","text":"Kindly tell me what percentage is required in Maths and Physics"}],"expect":{"escalate":true,"by_turn":2,"reasons":["knowledge_gap"]}}
{"id":"gen-vpn-01","turns":[{"role":"customer","text":"I paid for 2 years upfront and my account now says \"expired\""}],"expect":{"escalate":true,"by_turn":1,"reasons":["complex_issue"]}}
{"id":"gen-wed-01","turns":[{"role":"customer","text":"We're planning a wedding for 180 guests next June and would love to hear about exclusive hire of the venue."}],"contact":{"attributes":{"event_budget":25000}},"expect":{"escalate":true,"by_turn":1,"reasons":["high_value"]}}
{"id":"gen-fresh-021","contact":{"name":"Peter Novak","email":"peter.novak@example.com"},"page":{"url":"https://www.oakroom.example/account/orders/OR-55102","title":"Order OR-55102 | Oakroom"},"turns":[{"role":"customer","text":"this is the third time I'm asking about order OR-55102. It was meant to arrive 3 weeks ago."},{"role":"bot","text":"Your order is in transit and will be delivered soon.","outcome":"answered"},{"role":"customer","text":"that's what you said last week and the week before"}],"expect":{"escalate":true,"by_turn":1,"reasons":["emotional"]}}
{"id":"gen-fresh-032","turns":[{"role":"customer","text":"I'm so stressed about my first ever tax return lol. Where do I even start?"},{"role":"bot","text":"Start with 'Your details', then add each income source. The checklist on the left shows what's left to do.","outcome":"answered"},{"role":"customer","text":"ok that's actually less scary than I thought, thanks"}],"expect":{"escalate":false,"reasons":[]}}
{"id":"gen-fresh-038","turns":[{"role":"customer","text":"German grammar is SO frustrating haha. is there a section just for the cases?"},{"role":"bot","text":"Yes! Go to Practice > Grammar > Cases. There are drills for nominative, accusative, dative and genitive.","outcome":"answered"},{"role":"customer","text":"yay, exactly what I needed"}],"expect":{"escalate":false,"reasons":[]}}
{"id":"gen-fresh-066","contact":{"name":"Ravi Chandran","email":"ravi.c@example.com","attributes":{"patient_id":"BS-20417"}},"turns":[{"role":"customer","text":"my face is swelling up on the left side since my filling yesterday and it's getting hard to swallow"}],"expect":{"escalate":true,"by_turn":1,"reasons":["complex_issue"]}}
{"id":"gen-fresh-070","contact":{"name":"Kerry Armstrong","email":"kerry.armstrong@example.co.uk","attributes":{"priority_services":true}},"turns":[{"role":"customer","text":"my dad is on home oxygen and we've had a letter saying the power will be off for works on Thursday from 9 till 5. he can't be without electricity that long"}],"expect":{"escalate":true,"by_turn":1,"reasons":["complex_issue"]}}
{"id":"gen-fresh-089","contact":{"name":"Graham Tully","email":"g.tully@example.com","attributes":{"plan":"Premium","member_since":2015,"lifetime_value":1700}},"turns":[{"role":"customer","text":"I'm not angry, just really disappointed. I've been with Reelbox since 2015 and you've taken 4K off my plan without a word. I'll probably just cancel."}],"expect":{"escalate":true,"by_turn":1,"reasons":["emotional"]}}
{"id":"gen-fresh-102","turns":[{"role":"customer","text":"if i buy the Platinum tickets can i still resell them on here if i can't go?"},{"role":"bot","text":"Yes, all tickets except those marked Non-transferable can be resold at face value on Stagepass.","outcome":"answered"},{"role":"customer","text":"so platinum is ok to resell?"},{"role":"bot","text":"Yes, Platinum tickets are transferable.","outcome":"answered"},{"role":"customer","text":"perfect"}],"expect":{"escalate":false,"reasons":[]}}
{"id":"gen-fresh-104","contact":{"name":"Callum Reid","email":"callum.reid@example.co.uk","attributes":{"membership":"Anytime","club":"Glasgow Central"}},"turns":[{"role":"customer","text":"I moved away 2 months ago and have been trying to cancel ever since. You're still taking £45 a month. I've emailed twice. If I don't hear back I'm cancelling the direct debit."}],"expect":{"escalate":true,"by_turn":1,"reasons":["emotional","complex_issue"]}}
{"id":"gen-fresh-113","turns":[{"role":"customer","text":"IS THE POOL OPEN YET?? been waiting all winter haha"},{"role":"bot","text":"Yes! The pool at your club reopened on Monday.","outcome":"answered"},{"role":"customer","text":"YESSS"}],"expect":{"escalate":false,"reasons":[]}}
{"id":"gen-fresh-126","contact":{"name":"Katrin Hoffmann","email":"k.hoffmann@vierlinden-media.example","attributes":{"plan":"enterprise","servers":3,"lifetime_value":180000}},"page":{"url":"https://status.stackhaven.example","title":"Stackhaven status"},"turns":[{"role":"customer","text":"All three of our dedicated servers in the Frankfurt DC have been unreachable since 02:10 UTC. Your status page says everything is green. This is costing us money every minute."}],"expect":{"escalate":true,"by_turn":1,"reasons":["high_value","complex_issue"]}}
{"id":"gen-fresh-135","contact":{"name":"Amelia Ross","email":"amelia.ross@example.com","attributes":{"order_value":14500,"booking":"WF-80315"}},"turns":[{"role":"customer","text":"We booked the Maldives honeymoon package and the resort has just emailed to say our overwater villa is 'unavailable' and we've been moved to a beach room. That is not what we paid for."}],"expect":{"escalate":true,"by_turn":1,"reasons":["high_value","complex_issue"]}}
{"id":"gen-fresh-144","turns":[{"role":"customer","text":"people on reddit were moaning about your app but it's been flawless for me so far. quick one: can kids ride the e-bikes?"},{"role":"bot","text":"E-bike riders need to be 16 or over. Classic bikes are available from age 14 with a parent's account.","outcome":"answered"},{"role":"customer","text":"fair enough, thanks"}],"expect":{"escalate":false,"reasons":[]}}
{"id":"gen-fresh-146","turns":[{"role":"customer","text":"Sorry in advance for the dumb question: does the Santorini package include transfers?"},{"role":"bot","text":"Not dumb at all! Yes, return airport transfers are included.","outcome":"answered"},{"role":"customer","text":"ha ok thanks"}],"expect":{"escalate":false,"reasons":[]}}
{"id":"gen-fresh-151","contact":{"name":"Leah Goldberg","email":"leah.goldberg@example.com","attributes":{"returning":true}},"turns":[{"role":"customer","text":"you substituted the oat milk with almond milk and my son has a tree nut allergy, he drank some before I noticed. he seems ok but I'm shaking. how did this happen, the allergy is on my account"}],"expect":{"escalate":true,"by_turn":1,"reasons":["emotional","complex_issue"]}}
{"id":"gen-fresh-152","turns":[{"role":"customer","text":"What time does the support act come on for Arctic Monkeys in Leeds?"},{"role":"bot","text":"Sorry, I don't have set times for that event.","outcome":"fallback"},{"role":"customer","text":"no worries, I'll check their insta"}],"expect":{"escalate":false,"reasons":[]}}
"""

CONVERSATIONS: list[LabelledConversation] = [
    parse_conversation(json.loads(line)) for line in CONVERSATIONS_JSONL.strip().splitlines()
]


@pytest.mark.parametrize("conversation", CONVERSATIONS, ids=lambda c: c.id)
def test_conversation_is_decided_as_a_reviewer_would(conversation: LabelledConversation) -> None:
    at, decision = replay(conversation)
    expect = conversation.expect
    explanation = decision.explain() if decision else "no offer or escalation"
    if expect.escalate:
        assert at is not None and expect.by_turn is not None and at <= expect.by_turn, explanation
        assert decision is not None
        assert expect.reasons <= set(decision.reasons), explanation
    else:
        assert at is None, explanation


def test_generalisation_set_meets_the_targets() -> None:
    scores = evaluate_signals(CONVERSATIONS)
    assert scores.recall >= 0.95
    assert scores.false_escalation_rate <= 0.05
    assert scores.reason_recall >= 0.85
