"""Small chart files in each vendor's layout, written out literally."""

SPOTIFY_WEEKLY = (
    "\ufeffrank,uri,artist_names,track_name,source,peak_rank,previous_rank,weeks_on_chart,streams\n"
    "1,spotify:track:0V3wPSX9ygBnCm8psDIegu,Ana Castela,Nosso Quadro,Agro Music,1,2,14,1853290\n"
    '2,spotify:track:4xkOaSrkexMciUUogZKVTS,"Henrique & Juliano, Marília Mendonça",Tudo Ok,Som Livre,1,1,30,1720043\n'
    "3,spotify:track:1BxfuPKGuaTgP7aM0Bbdwr,Taylor Swift,Cruel Summer,Taylor Swift,3,-1,1,990120\n"
)
SPOTIFY_DAILY = (
    "rank,uri,artist_names,track_name,source,peak_rank,previous_rank,days_on_chart,streams\n"
    "1,spotify:track:0V3wPSX9ygBnCm8psDIegu,Ana Castela,Nosso Quadro,Agro Music,1,1,40,301223\n"
    "2,spotify:track:1BxfuPKGuaTgP7aM0Bbdwr,Taylor Swift,Cruel Summer,Taylor Swift,2,4,12,280114\n"
)
SPOTIFY_LEGACY = (
    ',,,"Note that these figures are generated using a formula that protects against any artificial '
    'inflation of streams.",\n'
    "Position,Track Name,Artist,Streams,URL\n"
    "1,Blinding Lights,The Weeknd,9117451,https://open.spotify.com/track/0VjIjW4GlUZAMYd2vXMi3b\n"
    "2,Dance Monkey,Tones And I,7612334,https://open.spotify.com/track/2XU0oxnq2qxCpomAAuJY8K\n"
)
YOUTUBE = (
    "Rank,Previous Rank,Track Name,Artist Names,Periods on Chart,Views,Growth,YouTube URL\n"
    "1,1,Seven,Jung Kook & Latto,5,41232883,-3.2%,https://www.youtube.com/watch?v=QU9c0053UAU\n"
    "2,,Paint The Town Red,Doja Cat,1,30112004,,https://www.youtube.com/watch?v=m4_9TFeMfJE\n"
)
DATASET_HEADER = (
    "spotify_id,name,artists,daily_rank,daily_movement,weekly_movement,country,snapshot_date,popularity,"
    "is_explicit,duration_ms,album_name,album_release_date,danceability,energy,key,loudness,mode,speechiness,"
    "acousticness,instrumentalness,liveness,valence,tempo,time_signature\n"
)
DATASET = DATASET_HEADER + (
    '2plbrEY59IikOBgBGLjaoe,Die With A Smile,"Lady Gaga, Bruno Mars",1,0,0,,2024-10-01,100,False,251667,'
    "Die With A Smile,2024-08-16,0.521,0.592,6,-7.777,0,0.0304,0.308,0,0.122,0.535,157.969,3\n"
    "6dOtVTDdiauQNBQEDOtlAB,BIRDS OF A FEATHER,Billie Eilish,2,0,1,,2024-10-01,99,False,210373,"
    "HIT ME HARD AND SOFT,2024-05-17,0.747,0.507,2,-10.171,1,0.0358,0.2,0.0608,0.117,0.438,104.978,4\n"
    '2plbrEY59IikOBgBGLjaoe,Die With A Smile,"Lady Gaga, Bruno Mars",1,0,0,BR,2024-10-01,98,False,251667,'
    "Die With A Smile,2024-08-16,0.521,0.592,6,-7.777,0,0.0304,0.308,0,0.122,0.535,157.969,3\n"
    "6dOtVTDdiauQNBQEDOtlAB,BIRDS OF A FEATHER,Billie Eilish,1,0,0,BR,2024-10-02,99,False,210373,"
    "HIT ME HARD AND SOFT,2024-05-17,0.747,0.507,2,-10.171,1,0.0358,0.2,0.0608,0.117,0.438,104.978,4\n"
)
