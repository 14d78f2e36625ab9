"""Vendor portal forms. Fields only parse input; the services hold every rule."""
from typing import ClassVar

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    EmailField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from market.forms import FlaskForm
from market.i18n import localized

MAX_VARIANT_ROWS = 20  # catalog.services.MAX_VARIANTS


class VariantForm(Form):
    """One row of the product form: a variant (pack size, grade, roast). A sub-form: the
    product form's CSRF token covers it."""

    variant_id = HiddenField()
    label_vi = StringField(_l("Option (Vietnamese)"), description=_l("For example “Gói 500 g”"))
    label_en = StringField(_l("Option (English)"), description=_l("For example “500 g bag”"))
    sku = StringField(_l("SKU"), description=_l("Left empty, one is made for you."))
    price = StringField(_l("Price (đồng)"))
    weight_grams = StringField(_l("Weight (grams)"))
    stock = StringField(_l("Stock"), default="0")
    # The stock the page showed: saving applies (stock - stock_shown), never the value itself.
    stock_shown = HiddenField()
    gtin = StringField(_l("GTIN (barcode, optional)"))
    inactive = BooleanField(_l("Not on sale"))

    def summary(self, lang: str, n: int) -> str:
        """The row folded into one line: "500 g — 185.000 ₫ — 40 in stock" (what is filled
        in so far; a new row says "New variant")."""
        from flask_babel import gettext, ngettext

        from market.catalog.services import parse_vnd
        from market.i18n import format_vnd
        from market.parsing import parse_int

        label = localized(self.label_vi.data, self.label_en.data, lang)
        parts = [label.strip() or (gettext("Variant %(n)d", n=n) if self.variant_id.data
                                   else gettext("New variant"))]
        price = parse_vnd(self.price.data)
        if price is not None:
            parts.append(format_vnd(price, lang))
        stock = parse_int(self.stock.data)
        if stock is not None:
            parts.append(ngettext("%(num)d in stock", "%(num)d in stock", stock))
        if self.inactive.data:
            parts.append(gettext("not on sale"))
        return " — ".join(parts)


class ProductForm(FlaskForm):
    name_vi = StringField(_l("Name (Vietnamese)"))
    description_vi = TextAreaField(_l("Description (Vietnamese)"))
    name_en = StringField(_l("Name (English)"))
    description_en = TextAreaField(_l("Description (English)"))
    unit = SelectField(_l("Unit"))
    category_id = SelectField(_l("Category"))
    origin_province_code = SelectField(_l("Origin (province)"))
    hs_code = StringField(_l("HS code (customs, optional)"),
                          description=_l("6 to 10 digits, e.g. 0901.11 for coffee beans."))
    origin_country = SelectField(_l("Country of origin (customs)"), default="VN")
    status = SelectField(_l("Status"))
    variants = FieldList(FormField(VariantForm), min_entries=1, max_entries=MAX_VARIANT_ROWS)
    # Without JavaScript: re-render the form with one more empty variant row, saving nothing.
    add_variant = SubmitField(_l("Add a variant"))


class ImageForm(FlaskForm):
    image = FileField(_l("Photo (JPEG, PNG or WebP, up to 5 MB)"))
    alt_vi = StringField(_l("Photo description (Vietnamese)"))
    alt_en = StringField(_l("Photo description (English)"))


class ImportForm(FlaskForm):
    file = FileField(_l("CSV or XLSX file"))


class InviteForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired()])


class AcceptForm(FlaskForm):
    name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=120)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(min=10)])


class ProfileForm(FlaskForm):
    address = StringField(_l("Address"))
    sector = StringField(_l("What the cooperative produces"))
    member_count = IntegerField(_l("Number of members"), validators=[Optional()])
    contact_email = EmailField(_l("Contact email"))
    contact_phone = StringField(_l("Contact phone"))
    story_vi = TextAreaField(_l("Story (Vietnamese)"))
    story_en = TextAreaField(_l("Story (English)"))


class PublicProfileForm(ProfileForm):
    """What the owner edits once approved: the profile, plus the public page's phone, logo
    and cover photo."""

    public_phone = StringField(_l("Public phone (shown on your page)"),
                               description=_l("Buyers see this number. The contact phone "
                                              "above stays between you and the platform."))
    ships_abroad = BooleanField(
        _l("We ship parcels abroad"),
        description=_l("Buyers abroad can order from you; they pay by card and the "
                       "international zone table sets the shipping fee."))
    logo = FileField(_l("Logo (JPEG, PNG or WebP, up to 5 MB)"))
    cover_image = FileField(_l("Cover photo (wide, JPEG, PNG or WebP, up to 5 MB)"))


class ApplyForm(ProfileForm):
    """The profile, plus what identifies the cooperative and is fixed once approved."""

    name = StringField(_l("Cooperative name"))
    registration_code = StringField(_l("Registration (enterprise) code"))
    province_code = SelectField(_l("Province"))
    commune_code = SelectField(_l("Commune/ward"), validate_choice=False)
    founded_year = IntegerField(_l("Founding year"), validators=[Optional()])


class ReviewForm(FlaskForm):
    decision = SelectField(_l("Decision"))
    reason = TextAreaField(_l("Reason (required to reject or suspend; the cooperative sees it)"))

    LABELS: ClassVar[dict] = {"approve": _l("Approve"), "reject": _l("Reject"), "suspend": _l("Suspend")}
