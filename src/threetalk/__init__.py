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
from threetalk._phases import (
    Analysis,
    Decided,
    DecisionRole,
    Information,
    Phase,
    Role,
    Source,
    Stance,
)
from threetalk._prompts import Prompt, load_prompts
from threetalk._protocols import (
    COMMANDS,
    OPTIONAL_COMMANDS,
    PLACED_COMMANDS,
    Protocol,
    three_talk,
    work_and_income,
)
from threetalk._rebuild import open_conversation, replay
from threetalk._schemas import refusal_schema, snapshot_schema
from threetalk._steps import Step, StepProgress, StepStatus
from threetalk._text import Text
from threetalk._trail import GENESIS, Event, FrozenData, Head, verify
from threetalk._values import (
    Advisory,
    AnalysisEntry,
    Answer,
    Consideration,
    Decision,
    Decline,
    Evaluation,
    Option,
    OptionState,
    Participant,
    Proposal,
    Question,
    QuestionState,
    Reason,
    SharedInformation,
    Snapshot,
    Statement,
    SureCheck,
    Trial,
    UnderstandingCheck,
    Waiver,
)

__all__ = [
    "COMMANDS",
    "GENESIS",
    "OPTIONAL_COMMANDS",
    "PLACED_COMMANDS",
    "Advisory",
    "Analysis",
    "AnalysisEntry",
    "Answer",
    "ClockSkew",
    "ConflictError",
    "Consideration",
    "Conversation",
    "Decided",
    "Decision",
    "DecisionRole",
    "Decline",
    "Evaluation",
    "Event",
    "FrozenData",
    "Head",
    "Information",
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
    "Question",
    "QuestionState",
    "Reason",
    "Refused",
    "Role",
    "Rule",
    "SharedInformation",
    "Snapshot",
    "Source",
    "Stance",
    "Statement",
    "Step",
    "StepProgress",
    "StepStatus",
    "StoreError",
    "SubscriberError",
    "SureCheck",
    "TamperedLog",
    "Text",
    "ThreetalkError",
    "Trial",
    "UnderstandingCheck",
    "UnknownConversation",
    "UnknownParticipant",
    "Waiver",
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
