"""A request body that may come as JSON or as a form (multipart, so that files can ride
along): ``payload: MessageIn = FormOrJson(...)`` reads whichever the caller sent."""

from ninja.errors import ValidationError
from ninja.params.models import BodyModel, FormModel
from ninja.params.models import Form as FormParam


class FormOrJsonModel(FormModel):
    @classmethod
    def get_request_data(cls, request, api, path_params):
        if request.content_type != "application/json":
            return super().get_request_data(request, api, path_params)
        data = BodyModel.get_request_data.__func__(cls, request, api, path_params)
        if data is not None and not isinstance(data, dict):
            raise ValidationError(
                [{"type": "model_type", "loc": ["body"], "msg": "Input should be an object"}]
            )
        return data


class FormOrJsonParam(FormParam):
    _model = FormOrJsonModel

    @classmethod
    def _param_source(cls) -> str:
        return "form"


def FormOrJson(default=..., **kwargs):
    return FormOrJsonParam(default, **kwargs)
