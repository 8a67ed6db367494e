"""Every model, imported in one place so that Flask-Migrate sees the whole schema."""

from lms.attendance.models import Attendance, OfflineMark
from lms.auth.models import User
from lms.cards.models import ClassClerk, TraineeCard
from lms.certificates.models import Certificate, CertificateCounter
from lms.classes.models import Class, ClassSession, Program, class_instructors
from lms.core.models import AuditLog, CenterSettings, Job
from lms.enrollment.models import Enrollment
from lms.notices.models import Notice, NoticePreference
from lms.reports.models import AnnualPlan, PlanRevision
from lms.units.models import Unit

__all__ = [
    "AnnualPlan",
    "Attendance",
    "AuditLog",
    "CenterSettings",
    "Certificate",
    "CertificateCounter",
    "Class",
    "ClassClerk",
    "ClassSession",
    "Enrollment",
    "Job",
    "Notice",
    "OfflineMark",
    "NoticePreference",
    "PlanRevision",
    "TraineeCard",
    "Program",
    "Unit",
    "User",
    "class_instructors",
]
