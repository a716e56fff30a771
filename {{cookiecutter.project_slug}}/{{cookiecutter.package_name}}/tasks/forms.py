from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from ..forms import Form
from ..models.task import DESCRIPTION_MAX_LENGTH, TITLE_MAX_LENGTH


class TaskForm(Form):
    title = StringField("Title", validators=[DataRequired(), Length(max=TITLE_MAX_LENGTH)])
    description = TextAreaField("Description", validators=[Length(max=DESCRIPTION_MAX_LENGTH)])


class TaskEditForm(TaskForm):
    done = BooleanField("Done")
