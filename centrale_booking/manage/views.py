"""The pages every booking has, whatever its programme: the manage link (see, download,
cancel, change) and the ticket page the QR code points to."""

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
)
from flask_babel import gettext as _
from sqlalchemy import select

from .. import clock
from ..booking import engine
from ..booking.changes import change_quantity
from ..booking.checkin import ticket_for_code
from ..booking.codes import tokens_match
from ..booking.engine import (
    cancel_booking,
    cancellable_online,
    changeable,
    queue_position,
    sweep_expired_holds,
)
from ..booking.errors import BookingError, CancellationClosed
from ..booking.models import Booking
from ..booking.states import LIVE, BookingStatus
from ..booking.tickets import ticket_status
from ..clock import clock_time
from ..extensions import db, limiter, transaction, utcnow
from ..forms import ConfirmForm
from ..i18n import current_language
from ..links import manage_path, newsletter_booking_id, ticket_url
from ..programmes import panel
from .forms import FindBookingsForm, QuantityForm
from .service import send_booking_links

bp = Blueprint("manage", __name__)

S = BookingStatus


@bp.after_request
def _keep_tokens_private(response):
    # These URLs are secrets: no Referer to other sites, no search engine, no shared cache.
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _booking_or_404(reference: str, token: str) -> Booking:
    booking = db.session.scalar(select(Booking).where(Booking.reference == reference))
    # Found by its public reference, then the secret compared in constant time.
    if booking is None or not tokens_match(token, booking.manage_token):
        abort(_link_not_found())
    return booking


def _link_not_found():
    """A wrong or cut link: the way to have the right one sent again, with a 404."""
    page = render_template("manage/find.html", form=FindBookingsForm(), broken_link=True)
    return make_response(page, 404)


# --- A lost link ----------------------------------------------------------------------------


def _find_limit() -> str:
    return current_app.config["FIND_BOOKINGS_RATE_LIMIT"]


@bp.route("/prenotazione/ritrova", methods=["GET", "POST"])
@limiter.limit(_find_limit, methods=["POST"])
def find_bookings():
    """ "Find your booking": the manage links of every live booking, sent to the address. The
    answer is the same whether or not the address has bookings: it tells nobody who booked."""
    form = FindBookingsForm()
    if not form.validate_on_submit():
        status = 422 if form.is_submitted() else 200
        return render_template("manage/find.html", form=form), status
    with transaction():
        send_booking_links(form.email.data, current_language(), now=utcnow())
    return render_template("manage/find.html", form=None, sent_to=form.email.data)


@bp.route("/prenotazione/<reference>")
@bp.route("/prenotazione/")
def link_cut(reference: str = ""):
    """A manage link cut short (the token lost on the way, by a mail program's line break)."""
    return _link_not_found()


@bp.route("/prenotazione/<reference>/<token>")
def manage(reference: str, token: str):
    booking = _booking_or_404(reference, token)
    sweep_expired_holds(booking.slot, now=utcnow())
    quantity_form = QuantityForm(quantity=booking.quantity)
    return _manage_page(booking, quantity_form)


def _manage_page(booking: Booking, quantity_form: QuantityForm, status: int = 200):
    from ..documents.qr import qr_svg

    programme, now = booking.slot.programme, utcnow()
    return (
        render_template(
            "manage/manage.html",
            booking=booking,
            slot=booking.slot,
            programme=programme,
            facts=programme.facts(booking, current_language()),
            start_time=clock_time(booking.slot.starts_at, current_language()),
            panel=panel(programme, "_manage.html", "manage/_take_part.html"),
            pending_panel=panel(programme, "_pending.html", "manage/_pending.html"),
            live=booking.status in LIVE,
            position=queue_position(booking),
            quantity_changeable=changeable(booking, now),
            cancellable=cancellable_online(booking, now),
            cancel_deadline=booking.slot.cancellation_deadline,
            tickets=[(t, ticket_status(t)) for t in booking.tickets],
            quantity_form=quantity_form,
            confirm_form=ConfirmForm(),
            qr_svg=qr_svg,
            ticket_url=ticket_url,
        ),
        status,
    )


@bp.route("/prenotazione/<reference>/<token>/annulla", methods=["GET", "POST"])
def cancel(reference: str, token: str):
    """A confirmation step first: a link in an email must never cancel on its own."""
    booking = _booking_or_404(reference, token)
    form = ConfirmForm()
    if booking.status in (S.cancelled, S.expired):
        flash(_("This booking is already cancelled."), "info")
        return redirect(manage_path(booking), 303)
    if not cancellable_online(booking, utcnow()):
        flash(str(CancellationClosed.message), "error")
        return redirect(manage_path(booking), 303)
    if form.validate_on_submit():
        try:
            with transaction():
                cancel_booking(booking, now=utcnow())
        except BookingError as refused:
            flash(str(refused.message), "error")
            return redirect(manage_path(booking), 303)
        flash(_("Your booking is cancelled. Thank you for letting us know."), "success")
        return redirect(manage_path(booking), 303)
    facts = booking.slot.programme.facts(booking, current_language())
    return render_template("manage/cancel.html", booking=booking, form=form, facts=facts)


@bp.route("/prenotazione/<reference>/<token>/accetta", methods=["POST"])
def accept_offer(reference: str, token: str):
    booking = _booking_or_404(reference, token)
    if ConfirmForm().validate_on_submit():
        sweep_expired_holds(booking.slot, now=utcnow())
        try:
            with transaction():
                engine.accept_offer(booking, now=utcnow())
        except BookingError as refused:
            flash(str(refused.message), "error")
        else:
            flash(_("Your booking is confirmed. We sent you the confirmation."), "success")
    return redirect(manage_path(booking), 303)


@bp.route("/prenotazione/<reference>/<token>/posti", methods=["POST"])
def change_places(reference: str, token: str):
    booking = _booking_or_404(reference, token)
    form = QuantityForm()
    if not form.validate_on_submit():
        return _manage_page(booking, form, 422)
    try:
        with transaction():
            change_quantity(booking, form.quantity.data, now=utcnow())
    except BookingError as refused:
        form.quantity.errors = [str(refused.message)]
        return _manage_page(booking, form, 409)
    flash(_("Your booking now has %(count)s places.", count=booking.quantity), "success")
    return redirect(manage_path(booking), 303)


@bp.route("/prenotazione/<reference>/<token>/conferma.pdf")
def confirmation_pdf(reference: str, token: str):
    from ..documents.pdf import confirmation_pdf as render

    booking = _booking_or_404(reference, token)
    if booking.status is not S.confirmed:
        abort(404)
    response = make_response(render(booking))
    response.mimetype = "application/pdf"
    response.headers["Content-Disposition"] = f'inline; filename="{booking.reference}.pdf"'
    return response


@bp.route("/prenotazione/<reference>/<token>/prenotazione.ics")
def calendar_file(reference: str, token: str):
    from ..documents.calendar import booking_ics

    booking = _booking_or_404(reference, token)
    response = make_response(booking_ics(booking))
    response.mimetype = "text/calendar"
    response.headers["Content-Disposition"] = f'attachment; filename="{booking.reference}.ics"'
    return response


@bp.route("/t/<code>")
def ticket(code: str):
    """What the QR code opens: enough to check a ticket, nothing personal but its label."""
    # the ticket's own code, or a pass standing for it (a campus child's: today's week)
    found = ticket_for_code(code, clock.today())
    if found is None:
        abort(404)
    programme = found.booking.slot.programme
    return render_template(
        "manage/ticket.html",
        ticket=found,
        status=ticket_status(found),
        programme=programme,
        facts=programme.facts(found.booking, current_language(), personal=False),
    )


def _email_of(booking_id: int) -> str | None:
    return db.session.scalar(select(Booking.contact_email).where(Booking.id == booking_id))


@bp.route("/newsletter/<signed>", methods=["GET", "POST"])
def newsletter(signed: str):
    """The link of the newsletter_confirm email. GET asks (a mail scanner that opens links
    confirms nothing); the button's POST confirms."""
    booking_id = newsletter_booking_id(signed, _email_of)
    if booking_id is None:
        abort(404)
    booking = db.session.get(Booking, booking_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        with transaction():
            booking = db.session.get(Booking, booking_id)
            engine.confirm_newsletter(booking, now=utcnow())
    return render_template("manage/newsletter.html", booking=booking, form=form)
