// Stand-in for bare-cpu-info, which this registry does not serve. Throwing on import makes
// @qvac/sdk report its own hardware collector as failed instead of crashing.
throw new Error('bare-cpu-info is a vlmbench stand-in: the real package was not installable from this registry');
