"""Team workspace: several laptops, one workspace, through the charity's PostgreSQL server.

Each laptop keeps its own SQLCipher workspace and works offline; changes travel as sealed
envelopes (AES-GCM under the team's tier keys) that the server orders and cannot read. See
`sync` (create, invite, join, sync, remove), `ops` (what a change is and how it is applied),
`keys` (team keys, envelopes, invitations), `server` (the PostgreSQL side) and `state` (what a
laptop keeps about the team).
"""
