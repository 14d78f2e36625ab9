"""Reviews and ratings: only the buyer of a received order line reviews it (once per line),
the product's cooperative replies once, an officer of its province or an admin hides a review
with a reason. The product's rating (sum and count of visible reviews' stars) changes in the
same transaction as the review that moves it."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from market import text as clean
from market.accounts.models import Role
from market.catalog.models import Product
from market.dbtypes import utcnow
from market.errors import Collector, DomainError, NotFound, PermissionDenied
from market.extensions import db
from market.i18n import LOCALES
from market.orders import services as orders
from market.parsing import parse_int
from market.reviews.models import Review, ReviewModeration, ReviewReport
from market.uploads import move_on_commit, remove_on_commit, save_images, stored_files
from market.vendors.models import Cooperative

MAX_PHOTOS = 3
PHOTO_SUBDIR = "reviews"  # under MEDIA_DIR: public, like product photos
MAX_TEXT = 2000
MIN_REASON = 5
ON_TIME_DAYS = 3  # the shipping promise the cooperative's rating measures
PAGE_SIZE = 50
VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")


# --- who may do what ---------------------------------------------------------------------------

def _signed_in(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False)


def may_reply(user, review: Review) -> bool:
    return (_signed_in(user) and user.role == Role.COOP_STAFF.value
            and user.cooperative_id == review.cooperative_id)


def may_moderate(user, review: Review) -> bool:
    """An admin, or an officer of the province of the product's cooperative."""
    if not _signed_in(user):
        return False
    if user.role == Role.ADMIN.value:
        return True
    if user.role != Role.OFFICER.value:
        return False
    province = db.session.scalar(db.select(Cooperative.province_code)
                                 .where(Cooperative.id == review.cooperative_id))
    return user.province_code == province


def get_review(public_id: str) -> Review:
    review = db.session.scalar(db.select(Review).filter_by(public_id=public_id))
    if review is None:
        raise NotFound(_l("No such review."))
    return review


def _move_rating(product_id: int, stars: int, count: int) -> None:
    """Add (count=1) or take away (count=-1) one review's stars, as one UPDATE: two reviews
    saved at once cannot overwrite each other's sums."""
    db.session.execute(
        db.update(Product).where(Product.id == product_id)
        .values(rating_sum=Product.rating_sum + stars * count,
                rating_count=Product.rating_count + count)
        .execution_options(synchronize_session="fetch"))


# --- writing -------------------------------------------------------------------------------------

def refusal(line) -> str | None:
    """Why this (own) order line cannot be reviewed now, or None when it can."""
    if not orders.received(orders.line_vendor_order(line)):
        return _l("You can review a product once its parcel has been delivered.")
    if db.session.scalar(db.select(Review.id).filter_by(order_line_id=line.id)):
        return _l("You have already reviewed this purchase.")
    return None


def line_to_review(user, vendor_order_public_id: str, position: int):
    """The buyer's own line that may be reviewed now; another's is 'no such order' (404), a
    line not delivered yet or already reviewed is refused (403)."""
    line = orders.buyer_line(user, vendor_order_public_id, position)
    reason = refusal(line)
    if reason:
        raise PermissionDenied(reason)
    return line


def product_of(line) -> Product:
    return db.session.get(Product, line.product_id)


def create_review(user, vendor_order_public_id: str, position: int, *, stars, text: str,
                  photos=(), media_dir: str, locale: str = "vi") -> Review:
    line = line_to_review(user, vendor_order_public_id, position)
    errors = Collector()
    stars = parse_int(stars)
    if stars is None or not 1 <= stars <= 5:
        errors.add("stars", _l("Choose from 1 to 5 stars."))
    if clean.too_long(text, MAX_TEXT):
        errors.add("text", _l("Keep the review under %(n)d characters.", n=MAX_TEXT))
    text = clean.clean_block(text, MAX_TEXT)
    photos = list(photos)
    if len(photos) > MAX_PHOTOS:
        errors.add("photos", _l("Attach at most %(n)d photos.", n=MAX_PHOTOS))
    errors.raise_if_any()
    vo = orders.line_vendor_order(line)
    names = save_images(photos, media_dir, PHOTO_SUBDIR, db.session()) if photos else []
    review = Review(order_line_id=line.id, product_id=line.product_id,
                    cooperative_id=vo.cooperative_id, author_id=user.id, stars=stars,
                    body=text, photos=names, locale=locale if locale in LOCALES else "vi")
    try:
        with db.session.begin_nested():
            db.session.add(review)
            db.session.flush()
    except IntegrityError:  # the same line reviewed in another request a moment ago
        raise DomainError(_l("You have already reviewed this purchase."),
                          code="review_exists", status=409)
    _move_rating(line.product_id, stars, 1)
    return review


def own_review(user, public_id: str) -> Review:
    """The user's own review; anyone else's is 'no such review'."""
    review = get_review(public_id)
    if not _signed_in(user) or review.author_id != user.id:
        raise NotFound(_l("No such review."))
    return review


def delete_review(user, public_id: str, *, media_dir: str,
                  private_dir: str | None = None) -> Product:
    """The author deletes their own review (its photos go once the deletion commits; a
    hidden review's photos are under `private_dir`)."""
    review = own_review(user, public_id)
    product = review.product
    if not review.hidden:
        _move_rating(review.product_id, review.stars, -1)
    files = [f for name in review.photos for f in stored_files(name)]
    db.session.delete(review)
    db.session.flush()
    root = private_dir if review.hidden and private_dir else media_dir
    remove_on_commit(db.session(), root, files)
    return product


def reply(user, public_id: str, text: str, now: datetime | None = None) -> Review:
    review = get_review(public_id)
    if not may_reply(user, review):
        raise NotFound(_l("No such review."))
    if review.replied_at is not None:
        raise DomainError(_l("The cooperative has already replied to this review."),
                          code="review_replied", status=409)
    if clean.too_long(text, MAX_TEXT):
        raise DomainError(_l("Keep the reply under %(n)d characters.", n=MAX_TEXT),
                          code="reply_long", status=422)
    text = clean.clean_block(text, MAX_TEXT)
    if not text:
        raise DomainError(_l("Write your reply."), code="reply_empty", status=422)
    review.reply, review.replied_at, review.replied_by_id = text, now or utcnow(), user.id
    db.session.flush()
    return review


def hide(user, public_id: str, reason: str, now: datetime | None = None, *,
         media_dir: str | None = None, private_dir: str | None = None) -> Review:
    """Hide a review with a reason the author sees. Its photos leave the public media folder
    (moved to `private_dir` once this commits, kept there as the record)."""
    review = get_review(public_id)
    if not may_moderate(user, review):
        raise NotFound(_l("No such review."))
    if review.hidden:
        raise DomainError(_l("This review is already hidden."), code="review_hidden",
                          status=409)
    reason = clean.clean_block(reason, MAX_TEXT)
    if len(reason) < MIN_REASON:
        raise DomainError(_l("Say why the review is hidden: the author sees the reason."),
                          code="reason_missing", status=422)
    review.hidden_at, review.hidden_reason, review.hidden_by_id = now or utcnow(), reason, user.id
    db.session.add(ReviewModeration(review_id=review.id, action="hide", reason=reason,
                                    actor_id=user.id, at=review.hidden_at))
    _move_rating(review.product_id, review.stars, -1)
    if review.photos and media_dir and private_dir:
        move_on_commit(db.session(), media_dir, private_dir,
                       [f for name in review.photos for f in stored_files(name)])
    db.session.flush()
    return review


def restore(user, public_id: str, reason: str = "", now: datetime | None = None, *,
            media_dir: str | None = None, private_dir: str | None = None) -> Review:
    """Undo a hide: the review counts in the rating again and its photos go back to the
    public media folder once this commits. Recorded with who, when and why."""
    review = get_review(public_id)
    if not may_moderate(user, review):
        raise NotFound(_l("No such review."))
    if not review.hidden:
        raise DomainError(_l("This review is not hidden."), code="review_visible", status=409)
    now = now or utcnow()
    review.hidden_at, review.hidden_reason, review.hidden_by_id = None, "", None
    db.session.add(ReviewModeration(review_id=review.id, action="restore",
                                    reason=clean.clean_block(reason or "", MAX_TEXT),
                                    actor_id=user.id, at=now))
    _move_rating(review.product_id, review.stars, 1)
    if review.photos and media_dir and private_dir:
        move_on_commit(db.session(), private_dir, media_dir,
                       [f for name in review.photos for f in stored_files(name)])
    db.session.flush()
    return review


MAX_REPORT = 500


def may_report(user, review: Review) -> bool:
    """A signed-in buyer who did not write it."""
    return (_signed_in(user) and user.role == Role.BUYER.value
            and review.author_id != user.id and not review.hidden)


def report(user, public_id: str, reason: str = "") -> ReviewReport:
    """A buyer reports a review to the moderators (once per buyer and review)."""
    review = get_review(public_id)
    if not may_report(user, review):
        raise PermissionDenied(_l("Only signed-in buyers can report another buyer's review."))
    if clean.too_long(reason or "", MAX_REPORT):
        raise DomainError(_l("Keep the reason under %(n)d characters.", n=MAX_REPORT),
                          code="report_long", status=422)
    row = ReviewReport(review_id=review.id, reporter_id=user.id,
                       reason=clean.clean_block(reason or "", MAX_REPORT))
    try:
        with db.session.begin_nested():
            db.session.add(row)
            db.session.flush()
    except IntegrityError:
        raise DomainError(_l("You have already reported this review."),
                          code="review_reported", status=409)
    return row


# --- the moderators' queue -----------------------------------------------------------------

QUEUE_SHOWS = ("open", "hidden", "all")


@dataclass
class QueueItem:
    review: Review
    product: Product
    reports: int
    report_reasons: list[str]
    history: list[ReviewModeration]


def moderation_queue(user, show: str = "open", limit: int = PAGE_SIZE) -> list[QueueItem]:
    """Reviews an officer (of the cooperative's province) or an admin may moderate: reported
    ones first (most reports first), then the newest. `show`: "open" the visible ones,
    "hidden" the hidden ones (to undo a hide), "all". Each with its reports and the record of
    its hides and undos."""
    if not _signed_in(user) or user.role not in (Role.ADMIN.value, Role.OFFICER.value):
        raise PermissionDenied(_l("This page is for moderators."))
    reports = (db.select(ReviewReport.review_id, db.func.count().label("n"))
               .group_by(ReviewReport.review_id).subquery())
    query = (db.select(Review, db.func.coalesce(reports.c.n, 0))
             .outerjoin(reports, reports.c.review_id == Review.id))
    if user.role == Role.OFFICER.value:
        query = query.join(Cooperative, Cooperative.id == Review.cooperative_id).where(
            Cooperative.province_code == user.province_code)
    if show == "open":
        query = query.where(Review.hidden_at.is_(None))
    elif show == "hidden":
        query = query.where(Review.hidden_at.is_not(None))
    rows = db.session.execute(query.order_by(
        db.func.coalesce(reports.c.n, 0).desc(), Review.created_at.desc(), Review.id.desc())
        .limit(limit)).all()
    ids = [review.id for review, _n in rows]
    if not ids:
        return []
    products = {p.id: p for p in db.session.scalars(
        db.select(Product).where(Product.id.in_({r.product_id for r, _n in rows})))}
    reasons: dict[int, list[str]] = {}
    for review_id, reason in db.session.execute(
            db.select(ReviewReport.review_id, ReviewReport.reason)
            .where(ReviewReport.review_id.in_(ids), ReviewReport.reason != "")
            .order_by(ReviewReport.created_at)):
        reasons.setdefault(review_id, []).append(reason)
    history: dict[int, list[ReviewModeration]] = {}
    for event in db.session.scalars(
            db.select(ReviewModeration).where(ReviewModeration.review_id.in_(ids))
            .order_by(ReviewModeration.at, ReviewModeration.id)):
        history.setdefault(event.review_id, []).append(event)
    return [QueueItem(review, products[review.product_id], n, reasons.get(review.id, []),
                      history.get(review.id, [])) for review, n in rows]


# --- reading -------------------------------------------------------------------------------------

@dataclass
class ReviewItem:
    """One review as a page shows it to one viewer, with what that viewer may do."""

    review: Review
    verified: bool  # written from a received order line (every review is, by the rules)
    can_reply: bool
    can_hide: bool
    can_delete: bool
    can_report: bool = False


def for_product(product: Product, viewer, limit: int = PAGE_SIZE) -> list[ReviewItem]:
    """Visible reviews, newest first, plus the viewer's own hidden ones (marked hidden);
    a moderator sees hidden ones too, to know what was hidden and why."""
    if not _signed_in(viewer) and not product.rating_count:
        return []  # the count is of visible reviews: an anonymous visitor sees none (no query)
    query = db.select(Review).where(Review.product_id == product.id)
    moderator = _signed_in(viewer) and viewer.role in (Role.ADMIN.value, Role.OFFICER.value)
    if not moderator:
        visible = Review.hidden_at.is_(None)
        if _signed_in(viewer):
            visible = visible | (Review.author_id == viewer.id)
        query = query.where(visible)
    rows = db.session.scalars(query.order_by(Review.created_at.desc(), Review.id.desc())
                              .limit(limit))
    items = []
    for review in rows:
        if review.hidden and moderator and not may_moderate(viewer, review) \
                and review.author_id != viewer.id:
            continue  # an officer of another province sees only what the public sees
        items.append(ReviewItem(
            review, verified=True,
            can_reply=may_reply(viewer, review) and review.replied_at is None,
            can_hide=may_moderate(viewer, review) and not review.hidden,
            can_delete=_signed_in(viewer) and review.author_id == viewer.id,
            can_report=may_report(viewer, review)))
    return items


def star_counts(product_id: int) -> dict[int, int]:
    """How many visible reviews gave each number of stars (5 down to 1)."""
    rows = dict(db.session.execute(
        db.select(Review.stars, db.func.count()).where(
            Review.product_id == product_id, Review.hidden_at.is_(None))
        .group_by(Review.stars)).all())
    return {n: rows.get(n, 0) for n in (5, 4, 3, 2, 1)}


def for_cooperative(user, limit: int = 100) -> list[Review]:
    """The signed-in staff member's cooperative's reviews, unanswered first, then newest."""
    if not _signed_in(user) or user.role != Role.COOP_STAFF.value or user.cooperative_id is None:
        raise PermissionDenied(_l("This page is for cooperative staff."))
    return list(db.session.scalars(
        db.select(Review).where(Review.cooperative_id == user.cooperative_id)
        .order_by(Review.replied_at.is_not(None), Review.created_at.desc()).limit(limit)))


def for_order(order, user) -> dict[int, dict]:
    """What the buyer's order page offers per line id: {'review': Review} when reviewed, or
    {'position': n} when it may be reviewed now; nothing for anyone but the buyer."""
    if not _signed_in(user) or order.buyer_id != user.id:
        return {}
    line_ids = [line.id for vo in order.vendor_orders for line in vo.lines]
    reviewed = {r.order_line_id: r for r in db.session.scalars(
        db.select(Review).where(Review.order_line_id.in_(line_ids)))} if line_ids else {}
    result: dict[int, dict] = {}
    for vo in order.vendor_orders:
        for position, line in enumerate(vo.lines, start=1):
            if line.id in reviewed:
                result[line.id] = {"review": reviewed[line.id]}
            elif orders.received(vo):
                result[line.id] = {"position": position}
    return result


@dataclass
class CooperativeRating:
    average: float | None  # stars over the visible reviews of all its products
    count: int
    shipping: orders.ShippingRecord


def cooperative_rating(cooperative_id: int, now: datetime | None = None, *,
                       totals: tuple[int, int] | None = None) -> CooperativeRating:
    """Reviews' stars over all its products (`totals`: their summed rating_sum and
    rating_count, when the caller has them already), and its on-time shipping."""
    if totals is None:
        totals = db.session.execute(
            db.select(db.func.coalesce(db.func.sum(Product.rating_sum), 0),
                      db.func.coalesce(db.func.sum(Product.rating_count), 0))
            .where(Product.cooperative_id == cooperative_id)).one()
    total, count = totals
    return CooperativeRating(
        average=round(total / count, 1) if count else None, count=int(count),
        shipping=orders.shipping_record(cooperative_id, days=ON_TIME_DAYS, now=now))


def json_ld(product: Product, items: list[ReviewItem], lang: str) -> dict:
    """schema.org AggregateRating and the visible Reviews, for the product's JSON-LD (empty
    when nothing is visible)."""
    if not product.rating_count:
        return {}
    visible = [i.review for i in items if not i.review.hidden]
    return {
        "aggregateRating": {"@type": "AggregateRating", "ratingValue": product.rating_avg,
                            "reviewCount": product.rating_count, "bestRating": 5,
                            "worstRating": 1},
        "review": [{
            "@type": "Review",
            "author": {"@type": "Person", "name": author_name(r)},
            "datePublished": r.created_at.astimezone(VIETNAM).date().isoformat(),
            "reviewBody": r.body,
            "reviewRating": {"@type": "Rating", "ratingValue": r.stars, "bestRating": 5,
                             "worstRating": 1},
        } for r in visible[:10]],
    }


# The most common Vietnamese family names: a name that starts with one is written family
# name first ("Nguyễn Thị Lan"); any other is taken as given name first ("Emma Clarke").
VIETNAMESE_FAMILY_NAMES = frozenset({
    "nguyễn", "trần", "lê", "phạm", "hoàng", "huỳnh", "phan", "vũ", "võ", "đặng", "bùi", "đỗ",
    "hồ", "ngô", "dương", "lý", "đinh", "đoàn", "lâm", "trịnh", "mai", "trương", "lương",
    "cao", "hà", "tạ", "chu", "quách", "thái",
})


def author_name(review: Review) -> str:
    """The name shown with a review: the given name and the family name's initial
    ('Nguyễn Thị Lan' -> 'Lan N.', 'Emma Clarke' -> 'Emma C.')."""
    parts = (review.author.name or "").split()
    if not parts:
        return "—"
    if len(parts) == 1:
        return parts[0]
    if parts[0].lower() in VIETNAMESE_FAMILY_NAMES:
        return f"{parts[-1]} {parts[0][0]}."
    return f"{parts[0]} {parts[-1][0]}."
