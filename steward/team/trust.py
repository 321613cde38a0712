"""Who is who in a team: each laptop's Ed25519 signing key, fixed when it was invited.

The team keys are shared by every laptop of a tier, so an envelope sealed under them proves
only that its author held that key — as a removed laptop still does for the epochs before its
removal. What must not rest on that (a laptop asking for the current keys, the device key a
rotation grants them to) is signed instead with the asking laptop's own signing key:

- an admin's invitation holds a new signing key for the laptop it invites, and the admin
  signs a statement binding that key to the invitation and its role (`invite.key`, sent to
  the team when the invitation is made);
- the invitation also holds the signing keys its admin trusts (the roster), so the new laptop
  starts from keys it got under the one-time code, not from the server;
- the laptop's claims (its device key, a key request) are signed with its key; the first
  laptop that signs with an invitation's key is bound to it.

A laptop trusts a signing key when a chain of such statements leads to the keys it started
from. The server's operator, even holding an older team key, cannot sign for any laptop.
"""

from __future__ import annotations

import json

from steward import crypto
from steward.permissions import ROLES
from steward.team import state

# Who may invite (permissions: `team invite`); admins hold every team key, so any role.
INVITERS = ("admin",)


def new_seed() -> bytes:
    import os

    return os.urandom(32)


def public_of(seed: bytes) -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.from_private_bytes(seed).public_key()
    return crypto.b64(key.public_bytes(serialization.Encoding.Raw,
                                       serialization.PublicFormat.Raw))


def _message(team_id: str, kind: str, body: dict) -> bytes:
    return f"steward-team/1/{team_id}/{kind}/".encode() + json.dumps(
        body, sort_keys=True, separators=(",", ":")).encode()


def sign(seed: bytes, team_id: str, kind: str, body: dict) -> str:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    return crypto.b64(Ed25519PrivateKey.from_private_bytes(seed).sign(
        _message(team_id, kind, body)))


def verify(public: str | None, team_id: str, kind: str, body: dict, sig: str | None) -> bool:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    if not public or not sig:
        return False
    try:
        Ed25519PublicKey.from_public_bytes(crypto.unb64(public)).verify(
            crypto.unb64(sig), _message(team_id, kind, body))
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


# --- what a laptop keeps (team_state, inside its encrypted store) -----------------------------

def set_roots(conn, roots: dict[str, dict]) -> None:
    """The signing keys this laptop starts from: its own, and its invitation's roster."""
    state.put(conn, "signers", roots)


def note_invite(conn, op: dict) -> None:
    """An admin's signed statement that an invitation holds signing key `sign` for `role`."""
    invites = state.get(conn, "invite_keys", {})
    held = invites.setdefault(op["invite"], [])
    claim = {k: op.get(k) for k in ("invite", "role", "sign", "by", "sig")}
    if claim not in held:
        held.append(claim)
        state.put(conn, "invite_keys", invites)


def note_claim(conn, kind: str, op: dict) -> None:
    """A laptop's signed claim (its device key, or a key request), checked when used."""
    if not op.get("sig"):
        return
    claims = state.get(conn, "device_claims", [])
    claim = {"kind": kind, "body": op["body"], "sig": op["sig"]}
    if claim not in claims:
        claims.append(claim)
        state.put(conn, "device_claims", claims)


def invite_body(invite: str, role: str, sign_public: str, by: str) -> dict:
    return {"invite": invite, "role": role, "sign": sign_public, "by": by}


class Roster:
    """The laptops whose signing keys this laptop trusts: {device: {sign, role, invite,
    public}} (`public`: the device key of its latest signed claim, for grants)."""

    def __init__(self, team_id: str, roots: dict, invites: dict, claims: list):
        self.team_id = team_id
        self.devices = {d: dict(r, invite=None, public=r.get("public"))
                        for d, r in roots.items()}
        self.invites: dict[str, dict] = {}
        self.bound: dict[str, str] = {}
        changed = True
        while changed:
            changed = False
            for invite, held in invites.items():
                if invite in self.invites:
                    continue
                for c in held:
                    by = self.devices.get(c.get("by"))
                    if (by and by["role"] in INVITERS and c.get("role") in ROLES
                            and verify(by["sign"], team_id, "invite",
                                       invite_body(invite, c["role"], c["sign"], c["by"]),
                                       c.get("sig"))):
                        self.invites[invite] = c
                        changed = True
                        break
            for c in claims:
                body = c["body"]
                device, invite = body.get("device"), body.get("invite")
                made = self.invites.get(invite)
                if device in self.devices or made is None or invite in self.bound:
                    continue
                if body.get("sign") == made["sign"] and verify(made["sign"], team_id,
                                                               c["kind"], body, c["sig"]):
                    self.devices[device] = {"sign": made["sign"], "role": made["role"],
                                            "invite": invite, "public": None}
                    self.bound[invite] = device
                    changed = True
        for c in claims:
            known = self.devices.get(c["body"].get("device"))
            if known and verify(known["sign"], team_id, c["kind"], c["body"], c["sig"]):
                known["public"] = c["body"].get("public")

    @classmethod
    def of(cls, conn, team_id: str) -> Roster:
        return cls(team_id, state.get(conn, "signers", {}), state.get(conn, "invite_keys", {}),
                   state.get(conn, "device_claims", []))

    def signers(self) -> dict[str, dict]:
        """What an invitation carries: the signing keys and roles trusted here."""
        return {d: {"sign": r["sign"], "role": r["role"]} for d, r in self.devices.items()}

    def refusal(self, kind: str, body: dict, sig: str | None) -> str | None:
        """Why a signed claim is refused (None: it is this laptop's, signed by its key)."""
        who = f"laptop {str(body.get('device'))[:8]}"
        if not sig or not body.get("sign"):
            return (f"a key request from {who} is not signed with a laptop's own key: refused "
                    "(only the key its invitation gave it can ask for the team's keys)")
        known = self.devices.get(body.get("device"))
        if known is not None:
            if verify(known["sign"], self.team_id, kind, body, sig):
                return None
            return (f"a key request from {who} is not signed by that laptop's own key: "
                    "refused")
        made = self.invites.get(body.get("invite"))
        if made is None:
            return (f"a key request from {who} names an invitation no admin of this team "
                    "signed: refused")
        if not verify(made["sign"], self.team_id, kind, body, sig):
            return (f"a key request from {who} is not signed by the key its invitation gave: "
                    "refused")
        return (f"a key request from {who} names an invitation another laptop joined "
                "with: refused")
