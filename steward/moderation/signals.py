"""Self-promotion and bait signals: what comment spam says in words, each a reason a moderator
can read. Most comment spam carries no link ("check out my channel", "sub4sub", giveaways,
money and crypto offers, "who's watching in 2026", chain letters), so these look at the words.

Each signal is a regular expression. One google-re2 set pass over a text tells which signals
could match (linear time, all at once); only those are confirmed with Python's `re` (which
also finds the words quoted in the reason). Most texts match none and cost one re2 pass.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import re2

from steward.moderation import text as textfacts
from steward.resources import resource_path

_MEDIA = (r"(?:youtube\s+|yt\s+|gaming\s+|music\s+|new\s+|latest\s+|little\s+|small\s+)*"
          r"(?:channel|page|profile|music|songs?|tracks?|mixtape|album|beats?|videos?|vids?|"
          r"stream|art|artwork|shop|store|account|insta\w*|ig|soundcloud|spotify|tiktok|"
          r"onlyfans|bio|website|blog|podcast|covers?|content|etsy|merch|vlogs?|reels?|shorts|"
          r"playlist)")

# A sum of money: "$4 500", "£56k", "1000 us dollars", "5 grand", "7 btc"
_AMOUNT = (r"(?:[$£€]\s?\d[\d,. ]*\s*k?|\d[\d,. ]*\s*k?\s*(?:dollars|usd|us\s+dollars|pounds|"
           r"euros|grands?|btc|eth|usdt)\b|\d[\d,.]*\s*k\b)")

_EARNER = r"(?:invest|trad(?:e|er|ing)|fx|forex|profit|wealth|income|earn|finance|crypto|btc)"

SIGNALS = {
    "promotion": ("Promotes the poster's own channel, page or profile", re.compile(
        r"\b(?:check|chek|come\s+check|go\s+check)\s+(?:out\s+)?(?:my|me|our)\s+" + _MEDIA
        + r"|\b(?:visit|see|watch|listen\s+to|view|go\s+to|look\s+at|click)\s+(?:on\s+)?my\s+"
        + _MEDIA
        + r"|\bmy\s+(?:new\s+)?(?:youtube\s+|yt\s+)?channel\b"
        + r"|\bi\s+(?:make|produce|upload|create|do)\s+(?:custom\s+|my\s+own\s+|original\s+)?"
          r"(?:youtube\s+|yt\s+|gaming\s+|music\s+|tiktok\s+)*"
          r"(?:beats|music|videos|covers|rap|songs|content|edits)\b"
        # "just dropped my first mixtape", "a sub would mean the world to me"
        + r"|\bjust\s+(?:dropped|released|uploaded|posted|put\s+out)\s+(?:my\s+|a\s+)?(?:brand\s+)?"
          r"(?:new\s+|first\s+|latest\s+)?(?:song|track|single|mixtape|album|ep|beat|rap|"
          r"music\s+video|vlog)\b"
        + r"|\bmy\s+(?:new\s+|first\s+|debut\s+|latest\s+)?(?:song|single|track|mixtape|album|ep)"
          r"\s+(?:is\s+)?out\s+now\b"
        + r"|\b(?:a\s+)?(?:sub|subscribe|follow|like|listen|view)\s+would\s+mean\s+(?:a\s+lot|"
          r"the\s+world|everything|so\s+much)\b"
        + r"|\bwould\s+mean\s+(?:a\s+lot|the\s+world|everything|so\s+much)\s+(?:to\s+me\s+)?if\s+"
          r"(?:you|u|y'?all|you\s+guys)\s+(?:gave\s+(?:it|me)\s+a\s+(?:listen|spin|follow|sub|"
          r"watch|view)|sub\w*|follow\w*\s+(?:me|my)|listen\w*\s+to\s+(?:it|my)|"
          r"check(?:ed)?\s+(?:it|me|my\s+\w+)\s+out)\b"
        + r"|\blink\s+(?:is\s+)?in\s+(?:my\s+)?(?:bio|profile)\b|\bcheck\s+(?:my\s+)?bio\b"
        + r"|\bclick\s+(?:on\s+)?my\s+(?:name|profile|pic|picture|avatar)\b"
        + r"|\b(?:on|in)\s+my\s+(?:channel|profile)\b"
        + r"|\b(?:search|find|add)\s+(?:for\s+)?me\s+on\s+(?:insta\w*|ig|snap\w*|tiktok|"
          r"youtube|spotify|soundcloud|telegram|whatsapp)"
        + r"|\bi(?:'m|\s+am)\s+(?:a\s+)?(?:new|small|upcoming|up\s+and\s+coming|young|"
          r"independent|aspiring)\s+(?:youtuber|artist|rapper|singer|producer|streamer|"
          r"creator|musician)\b"
        + r"|\bgive\s+(?:my|me)\s+(?:\w+\s+)?(?:a\s+)?(?:listen|chance|look|try|view)\b"
        # not "support my page": a member's fundraising page is no spam
        + r"|\bsupport\s+my\s+(?:new\s+|small\s+|little\s+)?(?:youtube\s+|yt\s+|music\s+)?"
          r"(?:channel|music|songs?|mixtape|beats|videos|stream|podcast|content|tiktok)\b"
        # not "support small businesses" or "small artists" (a charity's craft fair says it)
        + r"|\bsupport\s+(?:a\s+|this\s+|your\s+)?(?:small|new|little|upcoming|young)\s+"
          r"(?:youtuber|creator|youtube\s+channel|channel|streamer|rapper)s?\b",
        re.I)),
    "call_to_action": ("Asks people to subscribe, follow or like", re.compile(
        r"\bsub(?:scribe)?\s*(?:4|for|2|to)\s*sub\b|\bsub\s+(?:to\s+)?me\b"
        r"|\b(?:please|pls|plz|and|go|just)\s+(?:\w+\s+)?subscribe\b(?!\s+to\s+(?:the|our)\s+"
        r"newsletter)"
        r"|\bsubscrib\w*\s+(?:to\s+)?(?:me|my|him|her)\b|\bhit\s+(?:the|that)\s+subscribe"
        r"|\bsub\s+back\b|\bsubscribe\s+back\b"
        r"|\bfollow\s+(?:me|back|my\s+(?:page|account|insta\w*|ig|channel|tiktok))\b"
        r"|\bfollow\s*(?:4|for)\s*follow\b|\bf4f\b|\bl4l\b|\bs4s\b"
        r"|\blike\s*(?:4|for)\s*like\b|\bfollow\s+train\b"
        r"|\blike\s+(?:this|my)\s+comment\b|\bturn\s+on\s+(?:post\s+)?notifications?\b"
        r"|\blike\s+my\s+(?:new\s+|latest\s+|first\s+)*(?:videos?|vlogs?|songs?|tracks?|channel|"
        r"mixtape|reels?|tiktoks?|shorts)\b"
        r"|\b(?:everyone|anyone|everybody|people|those)\s+who\s+(?:follows?|subscribes?|subs)\s+"
        r"(?:to\s+)?(?:me|my)\b"
        r"|\bdrop\s+your\s+@|\bi(?:'ll|\s+will)\s+follow\s+(?:you|everyone|back)\b"
        r"|\b\d[\d,.]*k?\s+(?:subs|subscribers|followers)\s+(?:before|by|challenge)\b"
        r"|\bhelp\s+me\s+(?:get\s+to|reach|hit|get)\s+\d[\d,.]*\s*k?\s+(?:subs|subscribers|"
        r"followers)\b"
        # "road to 1k subs" (not a charity page's "goal is to reach 1,000 followers")
        r"|\b(?:road\s+to|(?:trying\s+to|wanna)\s+(?:reach|hit|get\s+to))\s+\d[\d,.]*\s*k?\s+"
        r"subs(?:cribers)?\b",
        re.I)),
    "giveaway": ("Giveaway, prize or free offer", re.compile(
        r"\bgive\s?-?aways?\b|\bfree\s+(?:iphone|ipad|ps5|xbox|gift\s*cards?|robux|v-?bucks|"
        r"nitro|followers|likes|netflix|spins|crypto|bitcoin|money|cash|tokens?|nft)\b"
        r"|\byou(?:'ve|\s+have)\s+(?:been\s+(?:selected|chosen)|won)\b"
        r"|\bclaim\s+(?:your|it|now|yours|the)\b|\bwin\s+(?:a|an)\s+(?:free\s+|brand\s+new\s+)?"
        r"(?:iphone|ipad|ps5|xbox|gift\s*card|voucher|car|\$|£|€)"
        r"|\bcongratulations?\b[^.!?]{0,40}\b(?:won|selected|winner|chosen)\b"
        r"|\b(?:claim|free|get|grab|receive|collect)\s+(?:your\s+|the\s+|an?\s+|my\s+)?(?:\$?\w+\s+)?"
        r"airdrops?\b|\bairdrops?\s+(?:is\s+|are\s+)?(?:live|now|open|claim\w*)\b"
        r"|\bcomment\s+[\"'“]?(?:me|info|yes|job)[\"'”]?\s+(?:and|to|if|below)\b"
        # "paying 5 grand to the first 10 people to message me", "drop your SOL wallet"
        r"|\b(?:paying|pay(?:ing)?\s+off|clearing|sending|giving)\s+(?:out\s+|away\s+)?(?:the\s+)?"
        r"(?:debts?|bills?|rent|[$£€]\s?\d|\d[\d,. ]*\s*k\b|\d[^.!?\n]{0,8}?\b(?:grands?|dollars|"
        r"usd|bucks|pounds)\b)[^.!?\n]{0,25}?\b(?:to|of)\s+(?:the\s+)?first\s+[(“\"']?\d+[)”\"']?\s*"
        r"(?:lucky\s+)?(?:people|persons|followers|users)\b"
        r"|\bdrop\s+(?:your|ur)\s+(?:\$?(?:sol|eth|btc|bnb|evm|crypto)\s+)?wallets?\b"
        r"|\bdrop\s+(?:a\s+|the\s+)?\$?(?:sol|eth|btc|bnb|evm)\s+wallets?\b"
        r"|\bfree\s+mint\b|\bmint\s+(?:one\s+|yours\s+|it\s+)?(?:for\s+)?free\b"
        r"|\b(?:rt|retweet|repost|like)\s*(?:\+|&|and)\s*(?:follow|rt|repost)\b"
        r"[^.!?\n]{0,30}\b(?:enter|win|wallet|drop|airdrop|giveaway)"
        r"|\bdrop\s+(?:your\s+)?(?:address|wallet)\s+(?:and|&|\+)\s+(?:rt|retweet|repost)\b"
        r"|\bairdrops?\s+(?:is\s+|are\s+)?(?:now\s+)?(?:available|open|claimable)\b"
        r"|\binstant\s+(?:\$?\w+\s+)?airdrops?\b"
        # "giving away 5 PS5s to random people who subscribe" (not a charity's food giveaway)
        r"|\bgiv(?:ing|e)\s+away\b[^.!?\n]{0,40}?\b(?:random\s+(?:people|followers|subscribers|"
        r"subs|viewers)|(?:everyone|anyone|people|those)\s+who\s+(?:subscribes?|subs|follows?))\b"
        r"|\bsend\s+you\b[^.!?\n]{0,30}\b(?:dm|inbox)\b[^!?\n]{0,20}\bhow\s+much\s+you\s+(?:won|win)\b",
        re.I)),
    "money": ("Money, crypto or work-from-home offer", re.compile(
        r"\b(?:earn|earning|make|making|made)\s+(?:extra\s+)?(?:money|cash|\$|£|€|"
        r"\d[\d,.]*\s*k?\s*(?:dollars|pounds|usd|gbp|a\s+(?:day|week|month)|per\s+"
        r"(?:day|week|hour|month)|daily|weekly))"
        r"|\bwork(?:ing)?\s+from\s+home\s+(?:job|opportunit|and\s+earn|earn)"
        r"|\bpassive\s+income\b|\bfinancial(?:ly)?\s+(?:free|freedom|independen)"
        r"|\b(?:bitcoin|btc|crypto|forex|binary\s+options?|usdt)\b[^.!?]{0,60}\b(?:invest\w*|"
        r"profits?|earn\w*|returns?|signals?|platform|mentor|account\s+manager|expert|"
        r"trader)\b"
        r"|\b(?:invest\w*|profits?|returns?|signals|mentor|account\s+manager)\b[^.!?]{0,60}"
        r"\b(?:bitcoin|btc|crypto|forex|binary\s+options?|usdt)\b"
        r"|\bguaranteed\s+(?:profits?|returns?|income|\d)"
        r"|\b\d+\s*%\s*(?:daily|weekly|returns?|profit|roi|win\s+rate)\b"
        r"|\bquit\s+my\s+(?:9|nine)\s*(?:to|-)\s*5\b|\bbe\s+your\s+own\s+boss\b"
        r"|\bturned\s+(?:my\s+)?[$£€]?\d[\d,.]*k?\s+into\b"
        r"|\brecover\w*\s+(?:all\s+)?(?:lost|my|your|stolen)\s+(?:funds|crypto|money|bitcoin)"
        r"|\b(?:dm|inbox|message|whatsapp|telegram|text)\s+me\b[^.!?]{0,40}\b(?:earn|invest|"
        r"profit|income|trading|how\s+i)\b"
        r"|\b(?:cheap|fast)\s+(?:loans?|followers|likes|views|seo|backlinks)\b"
        # testimonials: "I invested $500 and received $4,500", "withdrawal of $40k", "thanks
        # to @emilia_investlife" (not "the cake sale made a profit of £200")
        r"|\b(?:invest(?:ed|ing)?|deposit(?:ed)?|traded\s+with|capital\s+of|trial\s+(?:of|with)|"
        r"try\s+(?:of|with)|risk\s+(?:of|with))\b[^.!?\n]{0,40}?" + _AMOUNT
        + r"[^!?\n]{0,80}?\b(?:got|received?|return(?:ed|s)?|made|earned|turned|profits?|"
          r"withdr[ae]w\w*|cash(?:ed)?\s*out|paid)\b"
        + r"|\b(?:withdrawals?|cash\s*-?outs?|payouts?)\s+(?:of\s+)?" + _AMOUNT
        + r"|\b(?:got|got\s+paid|received?|receiving|made|earned|making|earning)\s+(?:over\s+|"
          r"more\s+than\s+|about\s+|my\s+|the\s+|a\s+(?:profit|return|payout)\s+of\s+)?" + _AMOUNT
        + r"[^.!?\n]{0,60}?(?:\binvest\w*|\btrading\b|\bin\s+my\s+wallet\b|[@#]\w)"
        + r"|" + _AMOUNT + r"\s+after\s+(?:investing|trading|depositing)\b"
        + r"|\bi\s+wish\s+i\s+(?:had\s+)?contacted\s+(?:her|him|them)?\s*earlier\b"
        # a handle with more to it than a bare "#finance" channel
        + r"|\b(?:thanks?\s+(?:you\s+)?(?:so\s+much\s+)?(?:to\s+)?|contact|reach\s+out\s+to|"
          r"message|inbox|dm|credit\s+to|with\s+the\s+help\s+of)\s*(?:her|him|them)?\s*"
          r"(?:on\s+|via\s+)*[@#](?:\w+" + _EARNER + r"|" + _EARNER + r"\w+)"
        # a token's contract address, as meme-coin shilling posts it
        + r"|\b(?:ca|contract(?:\s+address)?)\s*[:>=-]\s*[1-9a-hj-np-z]{32,44}\b"
        # fund-recovery scams (not a drug and alcohol recovery service)
        + r"|\b(?:funds?|crypto|bitcoin|btc|assets?|scam|wallet)\s+recovery\b"
          r"|\brecovery\s+(?:service|expert|specialist|agent)s?\b[^.!?\n]{0,60}\b(?:scam\w*|"
          r"crypto|bitcoin|funds|stolen|wallet)\b"
          r"|\b(?:scam\w*|crypto|bitcoin|funds|stolen)\b[^.!?\n]{0,60}\brecovery\s+(?:service|"
          r"expert|specialist|agent)s?\b|\b(?:hire|contact)\s+(?:a\s+)?hacker\b",
        re.I)),
    "bait": ("Engagement bait or chain text", re.compile(
        r"\bwho(?:'s|\s+is|\s+else\s+is)?\s+(?:still\s+)?(?:watching|listening|here)\b"
        r"[^.!?]{0,30}\b20\d\d\b|\b(?:watching|listening\s+to)\s+(?:this\s+)?in\s+20\d\d\b"
        r"|\bif\s+you(?:'re|\s+are)\s+reading\s+this\b|\bcopy\s+(?:and|&|n)\s+paste\b"
        r"|\b(?:send|forward|share|post)\s+(?:this|it)\s+(?:message\s+|comment\s+)?to\s+\d+\b"
        r"|\bbad\s+luck\s+for\b|\b1\s+like\s*=|\bonly\s+(?:real|true)\s+(?:fans|legends)\b"
        r"|\blike\s+if\s+you(?:'re|\s+are)?\b|\bcan\s+i\s+get\s+\d+\s+likes\b"
        r"|\bif\s+this\s+(?:comment\s+)?gets\s+\d+\s+likes\b"
        # chain text: "paste this on 5 songs", "if you don't share this your phone will be hacked"
        r"|\b(?:paste|copy|re-?post)\s+(?:this|it)\s+(?:on|to|in|into|under)\s+\d+\s+(?:other\s+|"
        r"more\s+|different\s+)?(?:songs|videos|groups|friends|contacts|people|comments|chats|"
        r"pages|walls)\b"
        r"|\b(?:send|forward|share|post)\s+(?:this|it)\s+(?:on|in|into|under)\s+\d+\s+(?:other\s+|"
        r"more\s+|different\s+)?(?:songs|videos|groups|comments|chats|pages|walls)\b"
        r"|\bif\s+you\s+don'?t\s+(?:share|re-?post|forward|pass\s+on|copy)\s+this\b[^.!?\n]{0,30}"
        r"\b(?:you(?:'ll|\s+will)|your\s+\w+\s+will|bad\s+luck)"
        r"|\bbad\s+luck\s+will\s+(?:follow|come\s+to|haunt|find)\s+you\b"
        r"|\b(?:type|comment|write)\s+[\"'“]?amen\b",
        re.I)),
    "private_contact": ("Asks people to take it to a private chat or a number", re.compile(
        r"\b(?:dm|pm|inbox|message|msg|text|contact|whats\s*app|telegram)\s+(?:me|us)\b"
        r"[^.!?\n]{0,30}\bfor\s+(?:the\s+|my\s+|our\s+)?(?:price\s+list|prices?|pricing|"
        r"packages?|rates|orders?|a\s+quote|the\s+link)\b"
        r"|\b(?:message|contact|text|reach|dm|add|chat\s+with|talk\s+to)\s+(?:me|us|the\s+admin|"
        r"the\s+manager|mr\.?\s+\w+|mrs\.?\s+\w+)\s+(?:\w+\s+)?(?:on|via|through|at)\s+"
        r"(?:whats\s*app|telegram|signal|wickr|kik|viber)\b"
        r"|\b(?:whats\s*app|telegram|wa\.me|t\.me)\s*(?:me\s*)?(?:at|on|:|-)?\s*\+\d[\d\s().-]{7,}"
        r"|\bwrite\s+to\s+me\s+(?:privately|in\s+private|directly)\b"
        r"|\bwa\.me/\+?\d{8,}"
        r"|\bi\s+(?:saw|checked|viewed|came\s+across)\s+your\s+profile\b",
        re.I)),
    "hard_sell": ("Sales pitch for goods or services", re.compile(
        r"\b(?:buy|order|get)\s+(?:\w+\s+){0,3}(?:online|now|today)\b[^.!?\n]{0,40}\b(?:cheap|"
        r"discount|no\s+prescription|free\s+(?:shipping|delivery)|best\s+price)"
        r"|\bno\s+prescription\b|\b(?:viagra|cialis|levitra|xanax|tramadol|oxycodone)\b"
        r"|\b(?:cheap|best|professional|affordable)\s+(?:essay|assignment|homework|thesis|"
        r"dissertation)\s+(?:writing|help|writers?|service)"
        r"|\b(?:essay|assignment|dissertation)\s+writing\s+service"
        r"|\b(?:loans?|credit)\s+(?:approved|approval|in\s+minutes)|\bbad\s+credit\s+(?:ok|"
        r"accepted|welcome|no\s+problem)"
        r"|\bweight\s+loss\s+(?:pills?|tea|supplement|secret)"
        r"|\b(?:buy|sell\w*|get)\s+(?:\w+\s+)?(?:real\s+|active\s+|cheap\s+)?(?:followers|likes|"
        r"views|subscribers|verified\s+accounts|aged\s+accounts|reviews)\b(?!\s+(?:on|of|to|"
        r"from)\s+(?:our|the)\b)"
        r"|\b(?:promote|promoting)\s+your\s+(?:music|channel|page|business|brand|videos?)\s+to\b"
        r"|\b\d\d\s*%\s+off\b[^.!?\n]{0,30}\b(?:shop|order|buy)\s+now\b"
        r"|\b(?:shop|order|buy)\s+now\b[^.!?\n]{0,30}\b\d\d\s*%\s+off\b"
        r"|\bwatch\s+(?:full\s+)?(?:movies|films)\s+(?:online\s+)?(?:for\s+)?free\b"
        r"|\b(?:seo|backlinks?|guest\s+posts?)\s+(?:services?|packages?|for\s+sale)\b"
        r"|\b(?:rank|ranking)\s+(?:your\s+(?:site|website)\s+)?(?:on|in)\s+(?:the\s+)?first\s+"
        r"page\b",
        re.I)),
    "dating": ("Dating or adult come-on", re.compile(
        r"\b(?:hot|sexy|lonely|beautiful|horny|naughty)\s+(?:single\s+)?(?:girls|women|ladies|"
        r"singles|milfs?|babes)\b[^.!?\n]{0,40}\b(?:near\s+you|in\s+your\s+area|waiting|tonight|"
        r"chat|meet|want)"
        r"|\bmeet\s+(?:sexy\s+|hot\s+|local\s+|real\s+)*singles\b|\bsingles\s+in\s+your\s+area\b"
        r"|\b(?:dating|hook\s*-?up|adult)\s+(?:site|app|chat)\b[^.!?\n]{0,40}\b(?:free|join|"
        r"sign\s*up|tonight|now|real)"
        r"|\blonely\s*\?\s*(?:\w+\s+){0,4}(?:girls|women|singles|chat|meet)"
        r"|\bsee\s+my\s+(?:private\s+|hot\s+|sexy\s+)?(?:pics|photos|videos)\b"
        r"|\bi\s+want\s+(?:us\s+)?to\s+(?:be\s+friends|know\s+you\s+better)\b",
        re.I)),
    "phishing": ("Account or password scare", re.compile(
        r"\byour\s+account\s+(?:will\s+be|has\s+been|is\s+(?:being|going\s+to\s+be))\s+"
        r"(?:suspended|disabled|deleted|locked|terminated|banned|closed)\b"
        r"|\b(?:confirm|verify|update|re-?enter)\s+your\s+(?:password|login|account|identity|"
        r"card|payment|details|seed\s+phrase|wallet)\b[^.!?\n]{0,30}\b(?:here|now|below|link|"
        r"within|immediately|to\s+avoid)"
        r"|\b(?:enter|share|send|type|submit|import|validate|sync)\s+your\s+(?:seed|recovery)"
        r"\s+phrase\b|\bconnect\s+your\s+wallet\b"
        r"|\bfree\s+(?:discord\s+)?nitro\b|\bsteam\s+(?:gift|community)\b[^.!?\n]{0,30}\bfree\b",
        re.I)),
}
WEIGHTS = {"promotion": 0.45, "call_to_action": 0.45, "giveaway": 0.4, "money": 0.45,
           "bait": 0.4, "shortener": 0.35, "obfuscated_link": 0.5, "private_contact": 0.35,
           "hard_sell": 0.45, "dating": 0.45, "phishing": 0.45}
PROMOTION_SIGNALS = ("promotion", "call_to_action")

_OBFUSCATED = re.compile(
    r"\b[a-z0-9-]{2,}(?:\s+\.\s*|\s*[(\[{]\s*(?:dot|\.)\s*[)\]}]\s*|\s+dot\s+)"
    r"(?:com|net|org|io|co|ly|me|xyz|info|biz|ru|tk|site|online|shop|club|link|live)(?![\w-])"
    r"|\bhxxps?\b|\bh\s+t\s+t\s+p|\bw\s*w\s*w\s*(?:\.\s+|\s+\.)\s*[a-z0-9-]{2,}",
    re.I)


@dataclass(frozen=True)
class TextSignals:
    """The signals one text fires: names (keys of WEIGHTS) and a reason for each."""

    names: tuple[str, ...]
    reasons: tuple[str, ...]


NONE = TextSignals((), ())


def shorteners() -> frozenset[str]:
    """Link-shortener domains (resources/moderation/link_shorteners.txt)."""
    path = resource_path("moderation", "link_shorteners.txt")
    return frozenset(
        line.split("#", 1)[0].strip().lower()
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.split("#", 1)[0].strip())


_SHORTENERS: list[frozenset[str]] = []
_LOOKAHEAD = re.compile(r"\(\?!(?:[^()]|\([^()]*\))*\)")
_BOUNDED = re.compile(r"\{0,\d+\}")
_NAMES = (*SIGNALS, "obfuscated_link")
_LEET = len(_NAMES)  # the set's last pattern: `textfacts.LEET_HINT`
_SET: list = []


def _prefilter(name: str) -> str:
    """A signal's pattern as re2 reads it in the set: a superset, confirmed with `re` after.
    Lookaheads (which re2 lacks) are dropped, and "up to N characters" reads as any number
    (a bounded gap multiplies re2's states: the set ran 1.4 times slower with them)."""
    pattern = _OBFUSCATED if name == "obfuscated_link" else SIGNALS[name][1]
    return _BOUNDED.sub("*", _LOOKAHEAD.sub("", pattern.pattern))


def _signal_set():
    """One re2 set of every signal's prefilter."""
    if not _SET:
        opts = re2.Options()
        opts.max_mem = 64 << 20
        opts.case_sensitive = False
        found = re2.Set.SearchSet(opts)
        for name in _NAMES:
            found.Add(_prefilter(name))
        found.Add(textfacts.LEET_HINT)  # last: where a token may read as leetspeak
        found.Compile()
        _SET.append(found)
    return _SET[0]


def patterns() -> list[str]:
    """The re2 patterns of `_signal_set`, case-insensitive by an inline flag, in signal order:
    for a caller that matches them in one set with its own patterns (`text_signals(…,
    could=…)`, on plain ASCII text)."""
    return ["(?i)" + _prefilter(name) for name in _NAMES]


def text_signals(text: str, domains: tuple[str, ...] | list[str] = (),
                 could: list[int] | None = None) -> TextSignals:
    """The promotion, bait and link signals a text fires, in signal order. `could`: the
    indices of `patterns()` a plain ASCII text matched, when already known."""
    names, reasons = [], []
    folded = text
    if could is None:
        text = textfacts.plain(text) if text else text  # "𝐬𝐮𝐛𝐬𝐜𝐫𝐢𝐛𝐞" reads "subscribe"
        could = set(_signal_set().Match(text) or ()) if text else None
        if could and _LEET in could:
            # "ch3ck 0ut my ch4nnel" reads "check out my channel"; the text as written is
            # read too ("sub4sub", "$SOL" are words of the signals)
            could.discard(_LEET)
            folded = textfacts.unleet(text)
            if folded != text:
                could.update(k for k in _signal_set().Match(folded) or () if k != _LEET)
    for k in sorted(could or ()):  # re2 lists matches in no fixed order
        name = _NAMES[k]
        pattern = _OBFUSCATED if name == "obfuscated_link" else SIGNALS[name][1]
        match = pattern.search(text) or (folded is not text and pattern.search(folded))
        if not match:
            continue
        words = text[match.start():match.end()]  # as written (folding keeps the length)
        names.append(name)
        if name == "obfuscated_link":
            reasons.append(f"Link written to dodge filters: “{words}”")
        else:
            reasons.append(f"{SIGNALS[name][0]}: “{textfacts.excerpt(words, 40)}”")
    if domains:
        if not _SHORTENERS:
            _SHORTENERS.append(shorteners())
        short = sorted({d for d in domains if d in _SHORTENERS[0]})
        if short:
            names.append("shortener")
            reasons.append(f"Shortened link hides where it goes: {', '.join(short)}")
    if not names:
        return NONE
    return TextSignals(tuple(names), tuple(reasons))
