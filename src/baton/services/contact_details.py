"""What the customer says about themself, kept on the contact wherever in the conversation.

Every customer message is read (`domain.contact_capture.read_contact_details`) in the
transaction that stores it: an email, a name or a phone number given in any turn is kept, so
nothing known is asked again and the team's email shows it. A later address replaces the old
one (replies go to the new one) and is confirmed back; an address signed by the site is only
replaced by an explicit correction, and is then no longer the signed one.
"""

from __future__ import annotations

from collections.abc import Collection
from functools import lru_cache

from baton.domain.contact_capture import ContactDetails, read_contact_details
from baton.domain.email_settings import EmailSettings, parse_single_address
from baton.domain.switchboard import ControlState, is_bot_speaking
from baton.services.context import ServiceContext, Transaction
from baton.store.tables import Contact, Message


def company_addresses(settings: EmailSettings) -> Collection[str]:
    """Addresses and domains that are the company's own, never a customer's."""
    return _own_addresses(settings.reply_domain, settings.support_address, settings.from_address)


# Every customer message is read against these, and parsing an address with the standard
# library's header parser costs more than reading the message itself.
@lru_cache(maxsize=16)
def _own_addresses(reply_domain: str, *addresses: str) -> frozenset[str]:
    own = {reply_domain.lower()}
    for value in addresses:
        try:
            own.add(parse_single_address(value).addr_spec.lower())
        except ValueError:
            continue
    return frozenset(own)


def read_details(ctx: ServiceContext, text: str) -> ContactDetails:
    return read_contact_details(text, not_theirs=company_addresses(ctx.settings.email))


def apply_details(contact: Contact, details: ContactDetails) -> bool:
    """Keep what the message says on the contact; True when the email changed."""
    changed = False
    new_email = details.email and details.email.lower() != (contact.email or "").lower()
    if new_email and (not contact.email or not contact.verified or details.correction):
        # The site's signature vouches for what it sent, never for an address typed later:
        # only a verified email ties conversations together.
        contact.verified = False
        contact.email = details.email
        changed = True
    if details.name and (not contact.name or (details.correction and not contact.verified)):
        contact.name = details.name
    if details.phone and contact.attributes.get("phone") != details.phone:
        contact.attributes = {**contact.attributes, "phone": details.phone}
    return changed


async def remember_contact_details(
    ctx: ServiceContext,
    tx: Transaction,
    message: Message,
    contact_id: str,
    state: ControlState,
) -> Message | None:
    """Keep what a stored customer message says about the customer; the confirmation of a
    new address, when there is one to publish.

    While the bot speaks, the dialogue confirms a new address; while the team holds the
    conversation, it is confirmed here, with the message that gave it.
    """
    details = read_details(ctx, message.body)
    if not details:
        return None
    contact = await tx.session.get(Contact, contact_id)
    if contact is None or not apply_details(contact, details):
        return None
    if is_bot_speaking(state) or state is ControlState.RESOLVED:
        return None
    confirmation = Message(
        conversation_id=message.conversation_id,
        author="system",
        body=ctx.scripts.render(
            "email_updated", email=contact.email, first_name=first_name_of(contact)
        ),
        internal=False,
        meta={"email_updated": True, "reply_to": message.id},
        created_at=message.created_at,
    )
    tx.session.add(confirmation)
    await tx.session.flush()
    return confirmation


def first_name_of(contact: Contact | None) -> str | None:
    """How the scripts greet the customer: by first name, or not at all."""
    if contact is None or not contact.name:
        return None
    return contact.name.split()[0]
