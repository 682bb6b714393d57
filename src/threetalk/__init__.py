"""threetalk: shared-decision-making conversations as a guarded, audited, non-linear state machine.

>>> import threetalk as tt
>>> conv = tt.Conversation()
>>> conv.phase
Phase.PREPARATION
"""

from __future__ import annotations

from threetalk._conversation import Conversation
from threetalk._exceptions import (
    ClockSkew,
    ConflictError,
    InvalidInput,
    InvalidProtocol,
    ProtocolMismatch,
    Refused,
    StoreError,
    SubscriberError,
    TamperedLog,
    ThreetalkError,
    UnknownConversation,
    UnknownParticipant,
)
from threetalk._guards import Rule
from threetalk._guides import (
    builtin_protocols,
    client_guide,
    rehabilitation,
    six_step,
    youth_care,
)
from threetalk._phases import Decided, Phase, Role, Stance
from threetalk._prompts import Prompt, load_prompts
from threetalk._protocols import COMMANDS, PLACED_COMMANDS, Protocol, three_talk, work_and_income
from threetalk._rebuild import open_conversation, replay
from threetalk._schemas import refusal_schema, snapshot_schema
from threetalk._steps import Step, StepProgress, StepStatus
from threetalk._text import Text
from threetalk._trail import GENESIS, Event, FrozenData, Head, verify
from threetalk._values import (
    Advisory,
    Consideration,
    Decision,
    Evaluation,
    Option,
    OptionState,
    Participant,
    Proposal,
    Reason,
    Snapshot,
    Statement,
    Trial,
)

__all__ = [
    "COMMANDS",
    "GENESIS",
    "PLACED_COMMANDS",
    "Advisory",
    "ClockSkew",
    "ConflictError",
    "Consideration",
    "Conversation",
    "Decided",
    "Decision",
    "Evaluation",
    "Event",
    "FrozenData",
    "Head",
    "InvalidInput",
    "InvalidProtocol",
    "Option",
    "OptionState",
    "Participant",
    "Phase",
    "Prompt",
    "Proposal",
    "Protocol",
    "ProtocolMismatch",
    "Reason",
    "Refused",
    "Role",
    "Rule",
    "Snapshot",
    "Stance",
    "Statement",
    "Step",
    "StepProgress",
    "StepStatus",
    "StoreError",
    "SubscriberError",
    "TamperedLog",
    "Text",
    "ThreetalkError",
    "Trial",
    "UnknownConversation",
    "UnknownParticipant",
    "builtin_protocols",
    "client_guide",
    "load_prompts",
    "open_conversation",
    "refusal_schema",
    "rehabilitation",
    "replay",
    "six_step",
    "snapshot_schema",
    "three_talk",
    "verify",
    "work_and_income",
    "youth_care",
]
