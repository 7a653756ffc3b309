"""The base of every request body: it refuses fields it does not know and values of another JSON type (no turning
0 into false or "1" into 1), so a typo or a wrong type is a 422 naming the field, exactly as the OpenAPI spec says
(`additionalProperties: false`, one type per field)."""

import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, model_validator
from pydantic_core import PydanticCustomError
from typing_extensions import TypeAliasType

INT32 = 2**31 - 1  # the database's integer columns; the input guard refuses any integer beyond them

Int32 = Annotated[int, Field(ge=-INT32, le=INT32)]
Number = Annotated[float, Field(ge=-INT32, le=INT32)]
JsonScalar = str | Int32 | Number | bool | None
Json = TypeAliasType("Json", "JsonScalar | list[Json] | dict[str, Json]")  # free-form JSON, its integers in range

NOT_ONLY_SPACE = re.compile(r"[^\s\ufeff]")  # Python's spaces (\x1c-\x1f and \x85 among them) and JSON Schema's


def _has_text(value: str) -> str:
    """Refuse text of spaces (or separators) only."""
    if not NOT_ONLY_SPACE.search(value):
        raise PydanticCustomError("empty", "must not be empty")
    return value


# Text with a character that is not a space; the same set, as the spec's (ECMAScript) pattern says it
SomeText = Annotated[str, AfterValidator(_has_text), Field(json_schema_extra={"pattern": r"[^\s\x1c-\x1f\x85]"})]


def words(max_length: int | None = None):
    """Text with at least one character that is not a space, trimmed (of at most `max_length` characters)."""
    return Annotated[SomeText, StringConstraints(strip_whitespace=True, min_length=1, max_length=max_length)]


def _whole_numbers_as_integers(value):
    """10.0 is the integer 10 in JSON Schema: give such numbers to the strict model as ints."""
    if isinstance(value, float) and value.is_integer() and abs(value) <= INT32:
        return int(value)
    if isinstance(value, dict):
        return {key: _whole_numbers_as_integers(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_whole_numbers_as_integers(item) for item in value]
    return value


class RequestBody(BaseModel):
    """A request body: known fields only, each of its declared JSON type."""

    model_config = ConfigDict(extra="forbid", strict=True)

    @model_validator(mode="before")
    @classmethod
    def _integers(cls, data):
        """Whole numbers sent as 10.0 count as integers (strict mode would refuse them)."""
        return _whole_numbers_as_integers(data)
