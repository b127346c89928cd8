/**
 * A small English thesaurus (common adjectives, verbs and nouns of everyday descriptions) for
 * {@link synonymReplacement} when the user supplies none. Groups of interchangeable words; each
 * word maps to the others of its group. Written for this package (no third-party word list).
 */
const groups: readonly string[][] = [
  ['big', 'large', 'huge', 'great'],
  ['small', 'little', 'tiny', 'minor'],
  ['fast', 'quick', 'rapid', 'swift'],
  ['slow', 'sluggish', 'unhurried'],
  ['good', 'fine', 'nice', 'decent'],
  ['bad', 'poor', 'awful', 'terrible'],
  ['happy', 'glad', 'cheerful', 'joyful'],
  ['sad', 'unhappy', 'gloomy', 'sorrowful'],
  ['beautiful', 'lovely', 'pretty', 'gorgeous'],
  ['ugly', 'unsightly', 'hideous'],
  ['smart', 'clever', 'bright', 'intelligent'],
  ['easy', 'simple', 'effortless'],
  ['hard', 'difficult', 'tough'],
  ['old', 'aged', 'ancient', 'elderly'],
  ['new', 'fresh', 'recent', 'novel'],
  ['cold', 'chilly', 'cool', 'icy'],
  ['hot', 'warm', 'heated'],
  ['angry', 'mad', 'furious', 'annoyed'],
  ['tired', 'weary', 'exhausted', 'sleepy'],
  ['rich', 'wealthy', 'affluent'],
  ['strong', 'powerful', 'sturdy'],
  ['weak', 'feeble', 'frail'],
  ['quiet', 'silent', 'calm', 'still'],
  ['loud', 'noisy', 'booming'],
  ['important', 'significant', 'crucial', 'essential'],
  ['strange', 'odd', 'weird', 'unusual'],
  ['correct', 'right', 'accurate'],
  ['wrong', 'incorrect', 'mistaken'],
  ['begin', 'start', 'commence'],
  ['end', 'finish', 'complete'],
  ['buy', 'purchase', 'acquire'],
  ['help', 'assist', 'aid', 'support'],
  ['show', 'display', 'reveal', 'present'],
  ['make', 'create', 'build', 'produce'],
  ['get', 'obtain', 'receive', 'gain'],
  ['look', 'watch', 'observe', 'view'],
  ['say', 'state', 'declare', 'mention'],
  ['think', 'believe', 'consider', 'suppose'],
  ['like', 'enjoy', 'appreciate'],
  ['want', 'desire', 'wish'],
  ['try', 'attempt', 'endeavour'],
  ['use', 'employ', 'utilise'],
  ['need', 'require'],
  ['choose', 'select', 'pick'],
  ['walk', 'stroll', 'wander'],
  ['run', 'sprint', 'dash', 'race'],
  ['eat', 'consume', 'devour'],
  ['talk', 'speak', 'chat', 'converse'],
  ['answer', 'reply', 'respond'],
  ['ask', 'inquire', 'query'],
  ['fix', 'repair', 'mend'],
  ['break', 'shatter', 'smash'],
  ['house', 'home', 'residence', 'dwelling'],
  ['car', 'automobile', 'vehicle'],
  ['child', 'kid', 'youngster'],
  ['friend', 'companion', 'pal', 'buddy'],
  ['job', 'work', 'occupation', 'task'],
  ['problem', 'issue', 'difficulty', 'trouble'],
  ['idea', 'notion', 'concept', 'thought'],
  ['movie', 'film', 'picture'],
  ['road', 'street', 'path', 'route'],
  ['shop', 'store', 'market'],
  ['picture', 'image', 'photo', 'photograph'],
  ['very', 'really', 'extremely', 'highly'],
  ['often', 'frequently', 'regularly'],
  ['quickly', 'rapidly', 'swiftly', 'speedily'],
  ['maybe', 'perhaps', 'possibly'],
  ['also', 'too', 'additionally'],
];

/** The default thesaurus: word → synonyms (lower case). */
export function defaultThesaurus(): Record<string, string[]> {
  const thesaurus: Record<string, string[]> = {};
  for (const group of groups) {
    for (const word of group) {
      const others = group.filter((other) => other !== word);
      thesaurus[word] = [...new Set([...(thesaurus[word] ?? []), ...others])];
    }
  }
  return thesaurus;
}
