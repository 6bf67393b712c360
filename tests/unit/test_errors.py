from corp import errors


def test_every_public_error_is_a_corp_error():
    for name in errors.__all__:
        assert issubclass(getattr(errors, name), errors.CorpError)


def test_spec_errors_are_value_errors_so_plain_callers_can_catch_them():
    assert issubclass(errors.SpecError, ValueError)
    assert issubclass(errors.DataError, errors.SpecError)


def test_transient_and_fatal_venue_errors_are_distinct_branches():
    assert issubclass(errors.TransientVenueError, errors.VenueError)
    assert issubclass(errors.FatalVenueError, errors.VenueError)
    assert not issubclass(errors.TransientVenueError, errors.FatalVenueError)
