from voting.ballots.id_ranges import compact_ranges, expand_ranges


def test_runs_of_three_or_more_become_ranges_and_shorter_runs_stay_ids():
    assert compact_ranges([10, 5, 1, 2, 3, 7, 8, 3]) == "1-3,5,7,8,10"
    assert compact_ranges([]) == ""


def test_expanding_gives_back_the_sorted_distinct_ids():
    ids = [40, 1, 2, 3, 4, 10, 12, 13, 14, 99]
    assert expand_ranges(compact_ranges(ids)) == sorted(ids)
    assert expand_ranges("") == []
